#include <doctest/doctest.h>

#include <set>

#include "core/Error.hpp"
#include "media/sip/RtpPortAllocator.hpp"

using namespace parley::media::sip;

TEST_CASE("port allocator hands out even ports round robin until full") {
  RtpPortAllocator a(10001, 10008);  // even ports 10002 10004 10006 (10008 has no RTCP above)
  CHECK(a.capacity() == 3);
  std::set<uint16_t> got;
  for (int i = 0; i < 3; ++i) {
    auto p = a.acquire();
    REQUIRE(p);
    CHECK(*p % 2 == 0);
    got.insert(*p);
  }
  CHECK(got == std::set<uint16_t>{10002, 10004, 10006});
  CHECK_FALSE(a.acquire());
  a.release(10004);
  a.release(10004);  // twice: ignored
  a.release(10003);  // odd: ignored
  CHECK(a.inUse() == 2);
  CHECK(a.acquire() == std::optional<uint16_t>(10004));
}

TEST_CASE("port allocator does not reuse a just-released port first") {
  RtpPortAllocator a(20000, 20009);
  auto p1 = a.acquire();
  REQUIRE(p1);
  a.release(*p1);
  auto p2 = a.acquire();
  REQUIRE(p2);
  CHECK(*p2 != *p1);
}

TEST_CASE("port allocator refuses an empty range") {
  CHECK_THROWS_AS(RtpPortAllocator(5000, 5000), parley::core::ConfigError);
  CHECK_THROWS_AS(RtpPortAllocator(0, 10), parley::core::ConfigError);
}
