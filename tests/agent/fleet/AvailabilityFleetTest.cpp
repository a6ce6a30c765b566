// The availability cache across two workers sharing one booking file and a real redis-server
// (issue 10): worker A answers check_availability from its cache, worker B books a slot, and A's
// next answer no longer offers it — through Redis pub/sub; and when A's subscription is cut, A
// stops serving from its cache until it is back, so a change it never heard of is not offered.
#include <doctest/doctest.h>

#include "FleetTestSupport.hpp"
#include "RedisServer.hpp"
#include "agent/fleet/AvailabilityFeed.hpp"
#include "agent/fleet/RedisClient.hpp"
#include "core/Clock.hpp"
#include "tests/tools/TestSupport.hpp"
#include "tools/BookingTools.hpp"
#include "tools/booking/CachingBookingStore.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley;
using namespace parley::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// One worker's share of the fleet: its own loop, Redis connections, cache, feed and store
// connection (on the file both workers use).
struct Worker {
  core::MetricsRegistry metrics;
  core::LoopThread loop;
  std::shared_ptr<tools::AvailabilityCache> cache;
  std::unique_ptr<agent::RedisClient> redis;  // loop thread
  std::shared_ptr<agent::AvailabilityFeed> feed;
  std::shared_ptr<tools::CachingBookingStore> store;
  std::unique_ptr<tools::ToolRegistry> tools;

  Worker(const std::string& id, const std::string& phone, const RedisServer& server,
         const std::filesystem::path& file, const core::Clock& clock)
      : loop("fleet-" + id, metrics),
        cache(std::make_shared<tools::AvailabilityCache>(tools::AvailabilityCacheSettings{}, clock,
                                                         metrics)),
        store(std::make_shared<tools::CachingBookingStore>(
            std::make_shared<tools::SqliteBookingStore>(file), cache)),
        tools(tools::makeBookingTools(tools::test::demoTenant(), store, clock,
                                      {"call-" + id, phone})) {
    auto url = *agent::RedisUrl::parse(server.url());
    onLoop(loop, [&] {
      redis = std::make_unique<agent::RedisClient>(loop.loop(), url);
      feed = std::make_shared<agent::AvailabilityFeed>(loop, *redis, url, "t", id, *cache, metrics);
      feed->start();
    });
  }
  ~Worker() {
    onLoop(loop, [&] {
      feed->close();
      feed.reset();
      redis.reset();
    });
    loop.stop();
  }
  uint64_t count(const char* name, const char* label, const char* value) {
    return metrics.counter(name, "", {{label, value}}).value();
  }
  uint64_t hits() { return count("parley_availability_cache_lookups_total", "result", "hit"); }
  uint64_t received() {
    return count("parley_availability_fleet_messages_total", "event", "received");
  }
  json check() {
    return tools->callJson(
        "check_availability",
        {{"service", "checkup"}, {"date", "2025-01-07"}, {"staff", "lee"}, {"max_results", 10}});
  }
  json book(const std::string& start, const std::string& toolCallId) {
    return tools->callJson(
        "book_appointment",
        {{"service", "checkup"}, {"start", start}, {"customer_name", "Bo"}, {"staff", "lee"}},
        toolCallId);
  }
};

bool offers(const json& r, const std::string& start) {
  for (const auto& s : r["slots"])
    if (s["start"] == start) return true;
  return false;
}

}  // namespace

TEST_CASE("availability cache across two workers: B's booking leaves A's cache at once") {
  RedisServer redis;
  tools::test::TempDir dir;
  core::ManualClock clock{tools::test::mondayTen()};  // never advanced: no TTL expiry here
  Worker a("a", "+15550000001", redis, dir.file("bookings.sqlite"), clock);
  Worker b("b", "+15550000002", redis, dir.file("bookings.sqlite"), clock);
  REQUIRE(waitFor([&] { return a.cache->serving() && b.cache->serving(); }));

  auto first = a.check();
  REQUIRE(first["slots"].size() >= 2);
  CHECK(a.check() == first);
  CHECK(a.hits() == 1);  // the second answer came from A's cache
  const std::string taken = first["slots"][0]["start"];

  b.check();
  auto booked = b.book(taken, "tc-1");
  auto bookedAt = std::chrono::steady_clock::now();
  REQUIRE_FALSE(booked.contains("error"));
  // Spin (not sleep) for the message, to report how long the fleet took to hear of it.
  while (a.received() == 0 && std::chrono::steady_clock::now() - bookedAt < 1s) {
  }
  MESSAGE("invalidation reached worker A " << std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - bookedAt)
                                                  .count()
                                           << " us after B's booking returned");
  REQUIRE(waitFor([&] { return a.received() == 1; }));
  auto after = a.check();
  CHECK_FALSE(offers(after, taken));
  CHECK(a.hits() == 1);  // read from the store again
  CHECK_FALSE(offers(b.check(), taken));
  CHECK(redis.cli("PUBSUB NUMSUB t:availability") == "t:availability\n2");

  SUBCASE("A's subscription is cut: its cache stops serving until resubscribed, then is fresh") {
    const std::string next = after["slots"][0]["start"];
    CHECK(a.check() == after);  // cached again
    redis.cli("CLIENT KILL TYPE pubsub");
    REQUIRE(waitFor([&] { return !a.cache->serving(); }, 5s));
    // B books while A may not hear of it: whatever A heard, it must not offer the slot.
    REQUIRE_FALSE(b.book(next, "tc-2").contains("error"));
    CHECK_FALSE(offers(a.check(), next));
    REQUIRE(waitFor([&] { return a.cache->serving(); }, 5s));  // resubscribed (1 s retry)
    CHECK_FALSE(offers(a.check(), next));
  }

  SUBCASE("a stale slot is never double-booked: A's booking of B's slot is slot_taken") {
    auto second = b.book(taken, "tc-1");  // B's retry of the same tool call: replayed
    CHECK_FALSE(second.contains("error"));
    auto mine = a.book(taken, "tc-4");
    REQUIRE(mine.contains("error"));
    CHECK(mine["error"]["code"] == "slot_taken");
  }
}
