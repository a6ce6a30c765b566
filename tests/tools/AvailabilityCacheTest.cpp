// The availability cache (issue 10): hits, TTL expiry on an injected clock, invalidation by every
// kind of write, the fleet link's messages and liveness, and many threads at once — through the
// real booking tools on a real SQLite store.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "TestSupport.hpp"
#include "core/Clock.hpp"
#include "tools/BookingTools.hpp"
#include "tools/booking/CachingBookingStore.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley;
using namespace parley::tools;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kTuesday = "2025-01-07";
constexpr const char* kNine = "2025-01-07T09:00:00-05:00";
constexpr const char* kNineFifteen = "2025-01-07T09:15:00-05:00";
constexpr const char* kTenThirty = "2025-01-07T10:30:00-05:00";  // 15:30 UTC

// A fleet link that keeps what it was asked to publish.
struct RecordingLink : AvailabilityFleetLink {
  std::mutex mutex;
  std::vector<AvailabilityChange> sent;
  void publish(const AvailabilityChange& c) override {
    std::lock_guard lock(mutex);
    sent.push_back(c);
  }
};

struct Fixture {
  test::TempDir dir;
  core::ManualClock clock{test::mondayTen()};
  core::MetricsRegistry metrics;
  std::shared_ptr<SqliteBookingStore> sqlite =
      std::make_shared<SqliteBookingStore>(dir.file("b.sqlite"));
  std::shared_ptr<AvailabilityCache> cache =
      std::make_shared<AvailabilityCache>(AvailabilityCacheSettings{30s, 1000}, clock, metrics);
  std::shared_ptr<CachingBookingStore> store = std::make_shared<CachingBookingStore>(sqlite, cache);
  std::unique_ptr<ToolRegistry> tools =
      makeBookingTools(test::demoTenant(), store, clock, {"call-1", "+15551234567"});
  // Another worker's view of the same file that does not tell this cache anything.
  SqliteBookingStore behindOurBack{dir.file("b.sqlite")};

  uint64_t count(const char* result) {
    return metrics.counter("parley_availability_cache_lookups_total", "", {{"result", result}})
        .value();
  }
  json check(const char* staff = "lee") {
    return tools->callJson(
        "check_availability",
        {{"service", "checkup"}, {"date", kTuesday}, {"staff", staff}, {"max_results", 10}});
  }
  static bool offers(const json& r, const std::string& start) {
    for (const auto& s : r["slots"])
      if (s["start"] == start) return true;
    return false;
  }
  void bookBehindOurBack(const std::string& utc) {
    BookRequest req;
    req.tenantId = "demo";
    req.staffCandidates = {"lee"};
    req.serviceId = "checkup";
    req.start = test::utc(utc);
    req.duration = 30min;
    req.buffer = 10min;
    req.customerPhone = "+15550000000";
    req.customerName = "Other";
    req.now = test::mondayTen();
    REQUIRE(behindOurBack.book(req).outcome == StoreOutcome::Ok);
  }
};

}  // namespace

TEST_CASE("availability cache: a repeated question is a hit - entries expire after the TTL") {
  Fixture f;
  auto first = f.check();
  CHECK(Fixture::offers(first, kNine));
  CHECK(f.count("miss") == 1);
  CHECK(f.count("hit") == 0);
  CHECK(f.check() == first);
  CHECK(f.count("hit") == 1);
  CHECK(f.cache->size() > 0);

  // A write the cache never hears of (a lost fleet message): served stale until the TTL.
  f.bookBehindOurBack("2025-01-07 14:15");  // 9:15 New York
  f.clock.advance(29s);
  CHECK(Fixture::offers(f.check(), kNineFifteen));
  CHECK(f.count("hit") == 2);
  f.clock.advance(1s);  // 30 s after the read: expired
  auto fresh = f.check();
  CHECK(f.count("miss") == 2);
  CHECK_FALSE(Fixture::offers(fresh, kNineFifteen));
}

TEST_CASE("availability cache: a stale entry never double-books - slot_taken drops it") {
  Fixture f;
  CHECK(Fixture::offers(f.check(), kNine));
  f.bookBehindOurBack("2025-01-07 14:00");   // 9:00 New York, unknown to the cache
  CHECK(Fixture::offers(f.check(), kNine));  // stale hit
  auto hits = f.count("hit");
  auto booked = f.tools->callJson(
      "book_appointment",
      {{"service", "checkup"}, {"start", kNine}, {"customer_name", "Ann"}, {"staff", "lee"}},
      "tc-1");
  REQUIRE(booked.contains("error"));
  CHECK(booked["error"]["code"] == "slot_taken");
  CHECK(
      f.sqlite->busy("demo", {"lee"}, test::utc("2025-01-07 00:00"), test::utc("2025-01-08 00:00"))
          .size() == 1);
  // The conflict dropped the stale entries: the alternatives and the next check read the store.
  CHECK(f.count("hit") == hits);
  CHECK(booked["error"]["alternatives"].dump().find(kNine) == std::string::npos);
  CHECK_FALSE(Fixture::offers(f.check(), kNine));
}

TEST_CASE("availability cache: book - cancel - reschedule - status each invalidate") {
  Fixture f;
  CHECK(Fixture::offers(f.check(), kNine));
  auto hits = f.count("hit");

  SUBCASE("book, then cancel, then reschedule") {
    auto booked = f.tools->callJson(
        "book_appointment",
        {{"service", "checkup"}, {"start", kNine}, {"customer_name", "Ann"}, {"staff", "lee"}},
        "tc-1");
    REQUIRE_FALSE(booked.contains("error"));
    std::string id = booked["appointment"]["appointment_id"];
    auto afterBook = f.check();
    CHECK(f.count("hit") == hits);  // a miss: the booking dropped lee's Tuesday
    CHECK_FALSE(Fixture::offers(afterBook, kNine));
    CHECK(Fixture::offers(f.check(), kNineFifteen) == Fixture::offers(afterBook, kNineFifteen));
    hits = f.count("hit");

    auto moved = f.tools->callJson("reschedule_appointment",
                                   {{"appointment_id", id}, {"new_start", kTenThirty}}, "tc-2");
    REQUIRE_FALSE(moved.contains("error"));
    auto afterMove = f.check();
    CHECK(f.count("hit") == hits);
    CHECK(Fixture::offers(afterMove, kNine));  // the old block is free again
    CHECK_FALSE(Fixture::offers(afterMove, kTenThirty));
    hits = f.count("hit");

    auto cancelled = f.tools->callJson("cancel_appointment", {{"appointment_id", id}}, "tc-3");
    REQUIRE_FALSE(cancelled.contains("error"));
    auto afterCancel = f.check();
    CHECK(f.count("hit") == hits);
    CHECK(Fixture::offers(afterCancel, kTenThirty));
  }

  SUBCASE("a status change (operator: no-show)") {
    auto booked = f.tools->callJson(
        "book_appointment",
        {{"service", "checkup"}, {"start", kNine}, {"customer_name", "Ann"}, {"staff", "lee"}},
        "tc-1");
    REQUIRE_FALSE(booked.contains("error"));
    CHECK_FALSE(Fixture::offers(f.check(), kNine));
    hits = f.count("hit");
    auto r = f.store->setStatus("demo", booked["appointment"]["appointment_id"],
                                AppointmentStatus::NoShow, "cli", test::mondayTen());
    REQUIRE(r.ok());
    CHECK(Fixture::offers(f.check(), kNine));
    CHECK(f.count("hit") == hits);
  }

  SUBCASE("only the touched staff member and day are dropped") {
    f.check("haddad");
    hits = f.count("hit");
    auto booked = f.tools->callJson(
        "book_appointment",
        {{"service", "checkup"}, {"start", kNine}, {"customer_name", "Ann"}, {"staff", "lee"}},
        "tc-1");
    REQUIRE_FALSE(booked.contains("error"));
    f.check("haddad");
    CHECK(f.count("hit") == hits + 1);
  }
}

TEST_CASE("availability cache: fleet mode - publish, remote changes, hits only while live") {
  Fixture f;
  auto link = std::make_shared<RecordingLink>();
  f.cache->attachFleet(link);
  f.check();
  f.check();
  CHECK(f.count("bypass") == 2);  // not live yet: a missed message could not be noticed
  CHECK(f.cache->size() == 0);
  f.cache->setFleetLive(true);
  f.check();
  f.check();
  CHECK(f.count("hit") == 1);

  auto booked = f.tools->callJson(
      "book_appointment",
      {{"service", "checkup"}, {"start", kNine}, {"customer_name", "Ann"}, {"staff", "lee"}},
      "tc-1");
  REQUIRE_FALSE(booked.contains("error"));
  REQUIRE(link->sent.size() == 1);
  CHECK(link->sent[0].tenant == "demo");
  CHECK(link->sent[0].staffId == "lee");
  CHECK(link->sent[0].days == std::vector<int64_t>{utcDay(test::utc("2025-01-07 14:00"))});

  // Another worker booked 10:30: its message drops our entries.
  f.check();
  f.bookBehindOurBack("2025-01-07 15:30");
  CHECK(Fixture::offers(f.check(), kTenThirty));  // not told yet
  auto hits = f.count("hit");
  f.cache->applyRemote({"demo", "lee", {utcDay(test::utc("2025-01-07 15:30"))}});
  CHECK_FALSE(Fixture::offers(f.check(), kTenThirty));
  CHECK(f.count("hit") == hits);

  f.check();
  CHECK(f.cache->size() > 0);
  f.cache->setFleetLive(false);  // subscription lost: everything goes, reads go to the store
  CHECK(f.cache->size() == 0);
  auto bypass = f.count("bypass");
  f.check();
  CHECK(f.count("bypass") == bypass + 1);
  f.cache->detachFleet();  // alone again: cached without a link
  hits = f.count("hit");
  f.check();
  f.check();
  CHECK(f.count("hit") == hits + 1);
}

TEST_CASE("availability change messages: round trip and hostile input") {
  AvailabilityChange c{"demo", "lee", {20095, 20096}};
  std::string origin;
  auto back = AvailabilityChange::fromJson(c.toJson("worker-a"), &origin);
  REQUIRE(back);
  CHECK(back->tenant == "demo");
  CHECK(back->staffId == "lee");
  CHECK(back->days == c.days);
  CHECK(origin == "worker-a");
  auto all = AvailabilityChange::fromJson(R"({"t":"demo"})");
  REQUIRE(all);
  CHECK(all->staffId.empty());
  CHECK(all->days.empty());
  for (const char* bad :
       {"", "{", "[]", "null", R"({"s":"lee"})", R"({"t":""})", R"({"t":5})",
        R"({"t":"demo","s":3})", R"({"t":"demo","d":"1"})", R"({"t":"demo","d":[1.5]})",
        R"({"t":"demo","d":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]})"})
    CHECK_MESSAGE(!AvailabilityChange::fromJson(bad), bad);
  CHECK(utcDay(test::utc("1970-01-01 00:00")) == 0);
  CHECK(utcDay(test::utc("1969-12-31 23:59")) == -1);
}

TEST_CASE("availability cache: many threads checking and booking never see a booked slot after") {
  Fixture f;
  constexpr int kThreads = 6;
  std::atomic<int> bookedCount{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto tools =
          makeBookingTools(test::demoTenant(), f.store, f.clock,
                           {"call-" + std::to_string(t), "+1555123450" + std::to_string(t)});
      for (int i = 0; i < 4; ++i) {
        auto r = tools->callJson("check_availability",
                                 {{"service", "checkup"}, {"date", kTuesday}, {"staff", "lee"}});
        if (r["slots"].empty()) continue;
        auto b = tools->callJson("book_appointment",
                                 {{"service", "checkup"},
                                  {"start", r["slots"][0]["start"]},
                                  {"customer_name", "Caller"},
                                  {"staff", "lee"}},
                                 "tc-" + std::to_string(i));
        if (!b.contains("error")) bookedCount.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bookedCount.load() > 0);
  // What the cache answers now equals the store.
  auto from = test::utc("2025-01-07 00:00"), to = test::utc("2025-01-08 00:00");
  auto truth = f.sqlite->busy("demo", {"lee"}, from, to);
  CHECK(truth.size() == static_cast<size_t>(bookedCount.load()));
  auto cached = f.store->busy("demo", {"lee"}, from, to);
  REQUIRE(cached.size() == truth.size());
  for (size_t i = 0; i < truth.size(); ++i) CHECK(cached[i].start == truth[i].start);
}
