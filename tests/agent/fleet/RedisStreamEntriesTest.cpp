// Stream replies as hiredis hands them over (RESP2), well-formed and damaged: the consumers of
// the outbound queue and the webhook outbox must get each entry once and never throw.
#include <doctest/doctest.h>

#include "agent/fleet/RedisStreamEntries.hpp"

using parley::agent::RedisValue;

namespace {

RedisValue str(std::string s) {
  RedisValue v;
  v.type = RedisValue::Type::String;
  v.str = std::move(s);
  return v;
}

RedisValue arr(std::vector<RedisValue> elements) {
  RedisValue v;
  v.type = RedisValue::Type::Array;
  v.elements = std::move(elements);
  return v;
}

RedisValue entry(std::string id, std::vector<std::string> fields) {
  std::vector<RedisValue> fv;
  for (auto& f : fields) fv.push_back(str(f));
  return arr({str(std::move(id)), arr(std::move(fv))});
}

}  // namespace

TEST_CASE("XREADGROUP reply: every entry with the asked field, in stream order") {
  RedisValue reply =
      arr({arr({str("parley:webhooks"), arr({entry("1-0", {"event", "{\"id\":1}"}),
                                             entry("2-0", {"other", "x", "event", "{\"id\":2}"}),
                                             entry("3-0", {"other", "x"})})})});
  auto entries = parley::agent::readGroupEntries(reply, "event");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].id == "1-0");
  CHECK(entries[0].value == "{\"id\":1}");
  CHECK(entries[1].value == "{\"id\":2}");
  CHECK(entries[2].id == "3-0");
  CHECK(entries[2].value.empty());  // no such field: handed on so the consumer drops it
}

TEST_CASE("XAUTOCLAIM reply: the claimed entries, deleted ids ignored") {
  RedisValue reply =
      arr({str("0-0"), arr({entry("5-0", {"job", "{\"job_id\":\"a\"}"})}), arr({str("4-0")})});
  auto entries = parley::agent::autoClaimEntries(reply, "job");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].id == "5-0");
  CHECK(entries[0].value == "{\"job_id\":\"a\"}");
}

TEST_CASE("errors, nil and damaged replies give no entries and never throw") {
  RedisValue error;
  error.type = RedisValue::Type::Error;
  error.str = "NOGROUP No such key";
  RedisValue missing;
  missing.missing = true;
  RedisValue nil;  // XREADGROUP with nothing new
  for (const RedisValue& v : {error, missing, nil, arr({}), arr({str("stream-only")}),
                              arr({arr({str("s"), str("not an array")})}),
                              arr({arr({str("s"), arr({str("bare"), arr({})})})})}) {
    CHECK(parley::agent::readGroupEntries(v, "event").empty());
    CHECK(parley::agent::autoClaimEntries(v, "event").empty());
  }
  // An entry without an id, a field list cut short: skipped / value empty, never out of range.
  RedisValue odd = arr({arr({str("s"), arr({arr({str("")}), entry("7-0", {"event"})})})});
  auto entries = parley::agent::readGroupEntries(odd, "event");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].id == "7-0");
  CHECK(entries[0].value.empty());
}
