#include <doctest/doctest.h>

#include "core/SocketAddress.hpp"

using parley::core::SocketAddress;

TEST_CASE("SocketAddress parses numeric host:port") {
  auto a = SocketAddress::parse("127.0.0.1:8080");
  REQUIRE(a);
  CHECK(a->host() == "127.0.0.1");
  CHECK(a->port() == 8080);
  CHECK(a->toString() == "127.0.0.1:8080");
  auto b = SocketAddress::parse("[::1]:5060");
  REQUIRE(b);
  CHECK(b->family() == AF_INET6);
  CHECK(b->toString() == "[::1]:5060");
}

TEST_CASE("SocketAddress rejects garbage") {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "host:80", "::1:5060",
                          "[::1]5060", "1.2.3.4:80x", "[::1"})
    CHECK_MESSAGE(!SocketAddress::parse(bad), bad);
}
