#include "core/Clock.hpp"

namespace parley::core {

int64_t SystemClock::monoNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::chrono::system_clock::time_point SystemClock::wallNow() const {
  return std::chrono::system_clock::now();
}

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

ManualClock::ManualClock(std::chrono::system_clock::time_point wallStart)
    : wallNs_(std::chrono::duration_cast<std::chrono::nanoseconds>(wallStart.time_since_epoch())
                  .count()) {}

std::chrono::system_clock::time_point ManualClock::wallNow() const {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(wallNs_.load(std::memory_order_relaxed))));
}

void ManualClock::advance(std::chrono::nanoseconds d) {
  mono_.fetch_add(d.count(), std::memory_order_relaxed);
  wallNs_.fetch_add(d.count(), std::memory_order_relaxed);
}

void ManualClock::setWall(std::chrono::system_clock::time_point t) {
  wallNs_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(),
                std::memory_order_relaxed);
}

}  // namespace parley::core
