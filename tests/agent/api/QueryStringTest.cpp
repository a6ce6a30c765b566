#include <doctest/doctest.h>

#include "agent/api/QueryString.hpp"
#include "core/Error.hpp"

using namespace parley;

TEST_CASE("query strings decode and refuse malformed input") {
  auto q = agent::parseQuery("tenant=demo&since=2026-11-21T00%3A00%3A00Z&x=a+b&empty=");
  CHECK(q["tenant"] == "demo");
  CHECK(q["since"] == "2026-11-21T00:00:00Z");
  CHECK(q["x"] == "a b");
  CHECK(q["empty"] == "");
  CHECK(agent::parseQuery("").empty());
  CHECK_THROWS_AS(agent::parseQuery("a=%4"), core::UsageError);
  CHECK_THROWS_AS(agent::parseQuery("a=%zz"), core::UsageError);
  CHECK_THROWS_AS(agent::parseQuery("a=1&a=2"), core::UsageError);
  std::string many;
  for (int i = 0; i < 40; ++i) many += "p" + std::to_string(i) + "=1&";
  CHECK_THROWS_AS(agent::parseQuery(many), core::UsageError);
}
