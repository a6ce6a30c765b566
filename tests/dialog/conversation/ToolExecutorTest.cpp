// ThreadPoolToolExecutor: a round's readOnly calls run at the same time, the others one after
// the other in the LLM's order, and the results come back in the calls' order. Concurrency is
// proven by rendezvous, not by timing: two handlers that each wait (bounded) for the other to be
// running can only both succeed if they ran at once.
#include <doctest/doctest.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>

#include "core/Clock.hpp"
#include "dialog/conversation/ToolExecutor.hpp"
#include "tools/BookingTools.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/ToolRegistry.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley;
using namespace parley::dialog;
using nlohmann::json;

namespace {

/// How long a handler waits for its partner before it reports failure. Generous for a loaded CI
/// host; only reached when the test fails.
constexpr auto kMeetTimeout = std::chrono::seconds(10);

/// A rendezvous of `n` threads with a bounded wait (std::latch cannot time out).
class Meeting {
 public:
  explicit Meeting(int n) : n_(n) {}
  /// True once all `n` arrived; false after kMeetTimeout.
  bool arriveAndWait() {
    std::unique_lock lock(m_);
    ++arrived_;
    cv_.notify_all();
    return cv_.wait_for(lock, kMeetTimeout, [&] { return arrived_ >= n_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_;
  int arrived_ = 0;
};

/// Records which ordered (non-readOnly) calls ran and whether two ever overlapped.
struct WriteLog {
  std::mutex m;
  std::vector<std::string> order;
  int running = 0;
  int maxRunning = 0;
  void enter(const std::string& what) {
    std::lock_guard lock(m);
    order.push_back(what);
    maxRunning = std::max(maxRunning, ++running);
  }
  void leave() {
    std::lock_guard lock(m);
    --running;
  }
};

/// Runs `calls` through the executor on a private loop until the round answers.
std::optional<std::vector<ToolResult>> runRound(std::shared_ptr<tools::ToolRegistry> registry,
                                                std::vector<ToolCall> calls) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::optional<std::vector<ToolResult>> out;
  {
    ThreadPoolToolExecutor exec(&loop, registry);
    exec.run(std::move(calls), [&](std::vector<ToolResult> r) { out = std::move(r); });
    CHECK(exec.busy());
    uv_run(&loop, UV_RUN_DEFAULT);  // returns once every job's after-work callback ran
    CHECK_FALSE(exec.busy());
  }
  uv_loop_close(&loop);
  return out;
}

ToolCall call(const std::string& id, const std::string& name, const std::string& args = "{}") {
  return ToolCall{0, id, name, args};
}

}  // namespace

TEST_CASE("tool executor: readOnly calls of one round run at the same time") {
  auto registry = std::make_shared<tools::ToolRegistry>();
  Meeting meeting(2);
  for (const char* name : {"lookup_a", "lookup_b"}) {
    tools::ToolDefinition d{name, "waits for the other lookup", json::object(),
                            [&](const json&, const tools::ToolInvocation&) {
                              return json{{"met", meeting.arriveAndWait()}};
                            }};
    d.readOnly = true;
    registry->add(std::move(d));
  }
  CHECK(registry->readOnly("lookup_a"));
  CHECK_FALSE(registry->readOnly("no_such_tool"));
  auto results = runRound(registry, {call("c1", "lookup_a"), call("c2", "lookup_b")});
  REQUIRE(results);
  REQUIRE(results->size() == 2);
  CHECK((*results)[0].toolCallId == "c1");
  CHECK((*results)[1].toolCallId == "c2");
  // Each saw the other running: neither would have returned true had they run in turn.
  CHECK((*results)[0].json == R"({"met":true})");
  CHECK((*results)[1].json == R"({"met":true})");
}

TEST_CASE("tool executor: writes run in order, one at a time, beside the reads") {
  auto registry = std::make_shared<tools::ToolRegistry>();
  WriteLog log;
  Meeting meeting(2);  // the first write and the read
  registry->add({"write", "an ordered call", json::object(),
                 [&](const json& a, const tools::ToolInvocation&) {
                   const std::string n = a.value("n", "");
                   log.enter(n);
                   bool met = true;
                   if (n == "1") met = meeting.arriveAndWait();
                   log.leave();
                   return json{{"n", n}, {"met", met}};
                 }});
  tools::ToolDefinition read{"read", "a lookup", json::object(),
                             [&](const json&, const tools::ToolInvocation&) {
                               return json{{"met", meeting.arriveAndWait()}};
                             }};
  read.readOnly = true;
  registry->add(std::move(read));
  auto results = runRound(
      registry, {call("w1", "write", R"({"n":"1"})"), call("r", "read"),
                 call("w2", "write", R"({"n":"2"})"), call("w3", "write", R"({"n":"3"})")});
  REQUIRE(results);
  REQUIRE(results->size() == 4);
  std::vector<std::string> ids;
  for (const auto& r : *results) ids.push_back(r.toolCallId);
  CHECK(ids == std::vector<std::string>{"w1", "r", "w2", "w3"});
  CHECK((*results)[0].json == R"({"met":true,"n":"1"})");  // the read ran while write 1 did
  CHECK((*results)[1].json == R"({"met":true})");
  CHECK(log.order == std::vector<std::string>{"1", "2", "3"});
  CHECK(log.maxRunning == 1);
}

TEST_CASE("tool executor: a cancelled round never answers; an empty one does") {
  auto registry = std::make_shared<tools::ToolRegistry>();
  registry->add({"noop", "does nothing", json::object(),
                 [](const json&, const tools::ToolInvocation&) { return json::object(); }});
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    ThreadPoolToolExecutor exec(&loop, registry);
    int answers = 0;
    exec.run({call("a", "noop"), call("b", "noop")}, [&](std::vector<ToolResult>) { ++answers; });
    exec.cancel();
    CHECK_FALSE(exec.busy());
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(answers == 0);
    std::optional<size_t> emptyAnswer;
    exec.run({}, [&](std::vector<ToolResult> r) { emptyAnswer = r.size(); });
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(emptyAnswer == size_t{0});
    // Unknown tools and bad arguments come back as error results, in place.
    std::optional<std::vector<ToolResult>> r;
    exec.run({call("x", "nope"), call("y", "noop", "{bad")},
             [&](std::vector<ToolResult> res) { r = std::move(res); });
    uv_run(&loop, UV_RUN_DEFAULT);
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].error);
    CHECK((*r)[0].json.find("unknown_tool") != std::string::npos);
    CHECK((*r)[1].error);
    CHECK((*r)[1].json.find("invalid_arguments") != std::string::npos);
  }
  uv_loop_close(&loop);
}

TEST_CASE("tool executor: the booking tools answer a mixed parallel round in order") {
  // The real tools on a real store: three lookups run beside a booking (ASan/UBSan runs of this
  // test watch the shared store and the per-call state).
  auto tenant = std::make_shared<const tools::Tenant>(
      tools::loadTenantFile(std::filesystem::path(PARLEY_SOURCE_DIR) / "config/tenants/demo.yaml"));
  auto dir = std::filesystem::temp_directory_path() /
             ("parley-exec-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(dir);
  {
    auto store = std::make_shared<tools::SqliteBookingStore>(dir);
    // Monday 2025-01-06 10:00 in New York.
    core::ManualClock clock(std::chrono::sys_days(std::chrono::year(2025) / 1 / 6) +
                            std::chrono::hours(15));
    std::shared_ptr<tools::ToolRegistry> registry =
        tools::makeBookingTools(tenant, store, clock, {"call-exec", "+15551234567"});
    CHECK(registry->readOnly("check_availability"));
    CHECK(registry->readOnly("find_appointments"));
    CHECK(registry->readOnly("get_business_info"));
    CHECK_FALSE(registry->readOnly("book_appointment"));
    CHECK_FALSE(registry->readOnly("cancel_appointment"));
    CHECK_FALSE(registry->readOnly("end_call"));
    auto results = runRound(
        registry,
        {call("a", "check_availability", R"({"service":"checkup","date":"2025-01-07"})"),
         call("b", "book_appointment",
              R"({"service":"checkup","start":"2025-01-08T10:00:00-05:00","customer_name":"Ann"})"),
         call("c", "get_business_info", R"({"topic":"hours"})"), call("d", "find_appointments")});
    REQUIRE(results);
    REQUIRE(results->size() == 4);
    const char* names[] = {"check_availability", "book_appointment", "get_business_info",
                           "find_appointments"};
    for (size_t i = 0; i < 4; ++i) {
      CHECK((*results)[i].name == names[i]);
      CHECK_FALSE((*results)[i].error);
    }
    CHECK(json::parse((*results)[1].json)["status"] == "booked");
    CHECK(store->findByPhone(tenant->id, "+15551234567", std::chrono::sys_seconds{}).size() == 1);
  }
  std::filesystem::remove(dir);
  std::filesystem::remove(dir.string() + "-wal");
  std::filesystem::remove(dir.string() + "-shm");
}

TEST_CASE("tool executor: prefetched lookups answer the first matching call from memory") {
  auto registry = std::make_shared<tools::ToolRegistry>();
  std::atomic<int> lookups{0};
  std::atomic<int> writes{0};
  tools::ToolDefinition lookup{"lookup", "counts its runs", json::object(),
                               [&](const json& a, const tools::ToolInvocation&) {
                                 return json{{"run", ++lookups}, {"q", a.value("q", "")}};
                               }};
  lookup.readOnly = true;
  registry->add(std::move(lookup));
  registry->add(
      {"write", "a booking", json::object(), [&](const json&, const tools::ToolInvocation&) {
         return json{{"w", ++writes}};
       }});
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    ThreadPoolToolExecutor exec(&loop, registry);
    auto round = [&](std::vector<ToolCall> calls) {
      std::optional<std::vector<ToolResult>> r;
      exec.run(std::move(calls), [&](std::vector<ToolResult> res) { r = std::move(res); });
      uv_run(&loop, UV_RUN_DEFAULT);
      REQUIRE(r);
      return *r;
    };
    // Writes are never prefetched; the lookups run in the background.
    exec.prefetch({call("p1", "lookup", R"({"q":"a","x":1})"), call("p2", "write")});
    CHECK_FALSE(exec.busy());
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(lookups == 1);
    CHECK(writes == 0);
    // Same arguments in another key order: from memory, under the new call's id.
    auto r =
        round({call("c1", "lookup", R"({"x":1, "q":"a"})"), call("c2", "lookup", R"({"q":"b"})")});
    CHECK(lookups == 2);  // only "b" ran
    CHECK(r[0].toolCallId == "c1");
    CHECK(r[0].prefetched);
    CHECK(r[0].json == R"({"q":"a","run":1})");
    CHECK_FALSE(r[1].prefetched);
    // Used once: asking again runs the tool.
    r = round({call("c3", "lookup", R"({"q":"a","x":1})")});
    CHECK(lookups == 3);
    CHECK_FALSE(r[0].prefetched);
    // A write forgets what was prefetched: the lookup may have changed.
    exec.prefetch({call("p3", "lookup", R"({"q":"c"})")});
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(lookups == 4);
    round({call("c4", "write")});
    CHECK(writes == 1);
    r = round({call("c5", "lookup", R"({"q":"c"})")});
    CHECK(lookups == 5);
    CHECK_FALSE(r[0].prefetched);
    // A prefetch still running when a write comes is dropped when it lands.
    exec.prefetch({call("p4", "lookup", R"({"q":"d"})")});
    std::optional<std::vector<ToolResult>> w;
    exec.run({call("c6", "write")}, [&](std::vector<ToolResult> res) { w = std::move(res); });
    uv_run(&loop, UV_RUN_DEFAULT);
    REQUIRE(w);
    r = round({call("c7", "lookup", R"({"q":"d"})")});
    CHECK_FALSE(r[0].prefetched);
    CHECK(lookups == 7);
  }
  uv_loop_close(&loop);
}
