#pragma once
// Time sources. Everything that makes a decision on time (turn-taking, jitter buffer, booking
// "now") takes a Clock& so tests drive time by hand instead of sleeping (STYLE.md "Tests").
#include <atomic>
#include <chrono>
#include <cstdint>

namespace parley::core {

/// A monotonic clock plus a wall clock. Monotonic time is in nanoseconds since an arbitrary
/// origin and never goes back; wall time is UTC (system_clock) for timestamps and bookings.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic nanoseconds; only differences are meaningful.
  virtual int64_t monoNs() const = 0;
  /// UTC wall time.
  virtual std::chrono::system_clock::time_point wallNow() const = 0;

  int64_t monoMs() const { return monoNs() / 1'000'000; }
  int64_t monoUs() const { return monoNs() / 1'000; }
};

/// The real clocks: steady_clock and system_clock. Thread-safe, stateless.
class SystemClock final : public Clock {
 public:
  int64_t monoNs() const override;
  std::chrono::system_clock::time_point wallNow() const override;
  /// A process-wide instance for code that has no injected clock.
  static SystemClock& instance();
};

/// A clock moved only by the test: `advance()` and `setWall()`. Starts at monotonic 0 and the
/// given wall time. Thread-safe (atomics) so a test thread may advance while a loop reads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point wallStart = {});
  int64_t monoNs() const override { return mono_.load(std::memory_order_relaxed); }
  std::chrono::system_clock::time_point wallNow() const override;
  /// Moves both clocks forward by `d` (must be ≥ 0).
  void advance(std::chrono::nanoseconds d);
  /// Sets the wall clock (the monotonic clock is unaffected).
  void setWall(std::chrono::system_clock::time_point t);

 private:
  std::atomic<int64_t> mono_{0};
  std::atomic<int64_t> wallNs_{0};
};

}  // namespace parley::core
