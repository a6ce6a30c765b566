#include <doctest/doctest.h>

#include "core/Clock.hpp"

using namespace parley::core;
using namespace std::chrono_literals;

TEST_CASE("ManualClock moves only when advanced") {
  ManualClock c(std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)));
  CHECK(c.monoNs() == 0);
  c.advance(20ms);
  CHECK(c.monoMs() == 20);
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(c.wallNow().time_since_epoch()).count() ==
        1'700'000'000'020LL);
  c.setWall(std::chrono::system_clock::time_point(std::chrono::seconds(5)));
  CHECK(c.monoMs() == 20);
  CHECK(c.wallNow().time_since_epoch() == std::chrono::seconds(5));
}

TEST_CASE("SystemClock is monotonic") {
  auto& c = SystemClock::instance();
  int64_t a = c.monoNs();
  int64_t b = c.monoNs();
  CHECK(b >= a);
}
