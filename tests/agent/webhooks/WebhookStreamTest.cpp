// The fleet's webhook outbox (issue 10): the local outbox hands events to the Redis stream and
// delivers them itself when Redis does not take them; the stream delivers with retries through
// the retry set, takes over an entry a dead consumer left pending, and gives up old events into
// the dead-letter stream — against a real redis-server and a real HTTP receiver on loopback.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>

#include "agent/webhooks/WebhookDispatcher.hpp"
#include "agent/webhooks/WebhookSignature.hpp"
#include "agent/webhooks/WebhookStream.hpp"
#include "core/LoopThread.hpp"
#include "tests/agent/fleet/FleetTestSupport.hpp"
#include "tests/agent/fleet/RedisServer.hpp"
#include "tests/agent/webhooks/WebhookTestSupport.hpp"
#include "tests/dialog/HttpTestServer.hpp"
#include "tools/sqlite/SqliteDb.hpp"

using namespace parley;
using parley::test::onLoop;
using parley::test::waitFor;
using namespace std::chrono_literals;
using dialog::test::HttpTestRequest;
using dialog::test::HttpTestResponse;
using nlohmann::json;

namespace {

const std::string kSecret = "whsec-stream-0123456789";

agent::WebhookEndpoints endpointsFor(const std::string& url) {
  return test::webhookEndpointsFor(url, kSecret);
}

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("parley-" + name + "-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A forwarder that answers as told, remembering what it was given.
struct FakeForwarder : agent::WebhookForwarder {
  bool accept = true;
  std::vector<std::string> ids;
  void forward(const agent::OutboxItem& item, std::function<void(bool)> done) override {
    ids.push_back(item.id);
    done(accept);
  }
};

}  // namespace

TEST_CASE("fleet mode: the local outbox hands events on - and delivers them itself if refused") {
  TempDir dir("hook-forward");
  test::WebhookReceiver rx(kSecret);
  agent::WebhookOutbox outbox(dir.path / "webhooks.sqlite");
  core::MetricsRegistry metrics;
  core::LoopThread loop("fleet-test", metrics);
  FakeForwarder fwd;
  std::unique_ptr<agent::WebhookDispatcher> d;
  auto taken = test::webhookEvent("call.started"), refused = test::webhookEvent("call.ended");
  onLoop(loop, [&] {
    d = std::make_unique<agent::WebhookDispatcher>(loop.loop(), endpointsFor(rx.server.baseUrl()),
                                                   outbox, agent::WebhookSettings{},
                                                   core::SystemClock::instance(), metrics);
    d->setForwarder(&fwd);
    d->onCallEvent(taken);
    fwd.accept = false;  // Redis down
    d->onCallEvent(refused);
  });
  CHECK(fwd.ids == std::vector<std::string>{taken.id, refused.id});
  CHECK(outbox.stateOf(taken.id) == std::optional<std::string>("forwarded"));
  CHECK(waitFor(
      [&] { return outbox.stateOf(refused.id) == std::optional<std::string>("delivered"); }));
  CHECK(rx.delivered() == std::set<std::string>{refused.id});
  onLoop(loop, [&] { d.reset(); });
  loop.stop();
  auto c = outbox.counts();
  CHECK(c.forwarded == 1);
  CHECK(c.delivered == 1);
}

TEST_CASE("an outbox file of the first schema is migrated and keeps its pending events") {
  TempDir dir("hook-migrate");
  const char* const v1[] = {R"sql(
CREATE TABLE outbox(
  id TEXT PRIMARY KEY, tenant TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','delivered','dead')),
  last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
  done_at_ms INTEGER);
CREATE INDEX outbox_due ON outbox(next_at_ms) WHERE state = 'pending';
INSERT INTO outbox(id, tenant, type, body, created_at_ms, next_at_ms, state)
  VALUES ('evt_old', 'demo', 'call.ended', '{}', 1, 1, 'pending');
)sql"};
  { tools::SqliteDb old(dir.path / "webhooks.sqlite", v1, "old outbox", 1000ms); }
  agent::WebhookOutbox outbox(dir.path / "webhooks.sqlite");
  CHECK(outbox.stateOf("evt_old") == std::optional<std::string>("pending"));
  CHECK(outbox.due(2, 10, {}).size() == 1);
  outbox.forwarded("evt_old", 3);
  CHECK(outbox.stateOf("evt_old") == std::optional<std::string>("forwarded"));
  CHECK(outbox.nextDueMs() == std::nullopt);
}

TEST_CASE(
    "the redis stream delivers with retries, takes over a dead consumer's entry, gives up old "
    "ones") {
  test::RedisServer redis;
  test::WebhookReceiver rx(kSecret);
  rx.failFirst = 2;
  core::MetricsRegistry metrics;
  core::LoopThread loop("fleet-stream", metrics);
  auto endpoints = endpointsFor(rx.server.baseUrl());
  agent::WebhookSettings ws;
  ws.initialBackoffMs = 100;
  ws.timeoutMs = 3000;
  agent::WebhookStreamSettings ss;
  ss.prefix = "t";
  ss.consumer = "worker-a";
  ss.pollMs = 50;
  ss.claimIdleMs = 600;
  std::unique_ptr<agent::RedisClient> client;
  std::unique_ptr<agent::WebhookStream> stream;
  std::atomic<bool> up{false};
  onLoop(loop, [&] {
    client = std::make_unique<agent::RedisClient>(loop.loop(), *agent::RedisUrl::parse(redis.url()),
                                                  [&] { up = true; });
  });
  REQUIRE(waitFor([&] { return up.load(); }));

  // A consumer that read an entry and died: its entry sits in the pending list.
  auto orphan = test::webhookEvent("appointment.booked");
  json orphanEvent = {{"id", orphan.id},     {"tenant", "demo"},
                      {"type", orphan.type}, {"body", orphan.envelope().dump()},
                      {"created_at_ms", 1},  {"attempts", 0}};
  orphanEvent["created_at_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
  redis.cli("XGROUP CREATE t:webhooks webhooks 0 MKSTREAM");
  redis.cli("XADD t:webhooks '*' event '" + orphanEvent.dump() + "'");
  redis.cli("XREADGROUP GROUP webhooks ghost COUNT 1 STREAMS t:webhooks '>'");
  CHECK(redis.cli("XPENDING t:webhooks webhooks").rfind("1\n", 0) == 0);
  // An event far older than max age: dead-lettered, not delivered.
  json stale = orphanEvent;
  stale["id"] = "evt_stale";
  stale["created_at_ms"] = 1;
  redis.cli("XADD t:webhooks '*' event '" + stale.dump() + "'");

  std::vector<agent::CallEvent> events = {test::webhookEvent("call.started"),
                                          test::webhookEvent("call.ended"),
                                          test::webhookEvent("appointment.cancelled")};
  std::atomic<int> forwarded{0};
  onLoop(loop, [&] {
    stream = std::make_unique<agent::WebhookStream>(loop.loop(), *client, endpoints, ws, ss,
                                                    core::SystemClock::instance(), metrics);
    for (const auto& e : events) {
      agent::OutboxItem item{
          e.id,
          e.tenant,
          e.type,
          e.envelope().dump(),
          0,
          std::chrono::duration_cast<std::chrono::milliseconds>(e.at.time_since_epoch()).count(),
          0};
      stream->forward(item, [&](bool ok) {
        if (ok) forwarded.fetch_add(1);
      });
    }
  });
  std::set<std::string> want = {orphan.id};
  for (const auto& e : events) want.insert(e.id);
  CHECK(waitFor([&] { return rx.delivered() == want; }, 20s));
  CHECK(forwarded.load() == 3);
  CHECK(waitFor([&] { return redis.cli("XLEN t:webhooks") == "0"; }));
  CHECK(redis.cli("ZCARD t:webhooks:retry") == "0");
  CHECK(redis.cli("XPENDING t:webhooks webhooks").rfind("0", 0) == 0);
  CHECK(redis.cli("XLEN t:webhooks:dead") == "1");
  CHECK(redis.cli("XRANGE t:webhooks:dead - +").find("evt_stale") != std::string::npos);
  auto text = metrics.renderPrometheus();
  CHECK(text.find("parley_webhook_fleet_total{event=\"reclaimed\"} 1") != std::string::npos);
  CHECK(text.find("parley_webhook_fleet_total{event=\"retried\"} 2") != std::string::npos);
  CHECK(text.find("parley_webhook_deliveries_total{result=\"dead\"} 1") != std::string::npos);
  onLoop(loop, [&] {
    stream.reset();
    client.reset();
  });
  loop.stop();
}
