// The fleet's Redis parts against a real redis-server on loopback: the async client, the worker
// registry (heartbeat, TTL, least-loaded redirect) and the call records stream.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "RedisServer.hpp"
#include "agent/fleet/RedisCallStream.hpp"
#include "agent/fleet/RedisClient.hpp"
#include "agent/fleet/WorkerRegistry.hpp"
#include "core/LoopThread.hpp"
#include "tests/agent/fleet/FleetTestSupport.hpp"

using namespace parley;
using parley::test::onLoop;
using parley::test::waitFor;
using namespace std::chrono_literals;

namespace {

agent::RedisUrl urlOf(const test::RedisServer& r) {
  return *agent::RedisUrl::parse(r.url());
}

}  // namespace

TEST_CASE("redis URLs parse - and their passwords are never part of where()") {
  auto u = agent::RedisUrl::parse("redis://:s3cret@10.0.0.5:6380/2");
  REQUIRE(u);
  CHECK(u->host == "10.0.0.5");
  CHECK(u->port == 6380);
  CHECK(u->password == "s3cret");
  CHECK(u->db == 2);
  CHECK(u->where() == "10.0.0.5:6380");
  CHECK(agent::RedisUrl::parse("redis://localhost")->port == 6379);
  std::string why;
  CHECK_FALSE(agent::RedisUrl::parse("http://x", &why));
  CHECK(why.find("redis://") != std::string::npos);
  CHECK_FALSE(agent::RedisUrl::parse("redis://h:99999"));
  CHECK_FALSE(agent::RedisUrl::parse("redis://h:6379/x"));
  CHECK_FALSE(agent::RedisUrl::parse("redis://:pw@"));
}

TEST_CASE("the async client talks to a real redis binary-safe and reports errors") {
  test::RedisServer redis;
  core::LoopThread loop("redis-test");
  std::unique_ptr<agent::RedisClient> c;
  std::atomic<int> connects{0};
  onLoop(loop, [&] {
    c = std::make_unique<agent::RedisClient>(
        loop.loop(), urlOf(redis), [&] { ++connects; }, 100);
  });
  REQUIRE(waitFor([&] { return connects.load() == 1; }));
  std::promise<agent::RedisValue> got;
  onLoop(loop, [&] {
    c->command({"SET", "k", std::string("bin\0ary", 7)});
    c->command({"GET", "k"}, [&](const agent::RedisValue& v) { got.set_value(v); });
  });
  auto v = got.get_future().get();
  CHECK(v.type == agent::RedisValue::Type::String);
  CHECK(v.str == std::string("bin\0ary", 7));
  std::promise<agent::RedisValue> err;
  onLoop(loop, [&] {
    c->command({"NOSUCHCOMMAND"}, [&](const agent::RedisValue& r) { err.set_value(r); });
  });
  auto e = err.get_future().get();
  CHECK(e.type == agent::RedisValue::Type::Error);
  CHECK_FALSE(e.ok());
  onLoop(loop, [&] { c.reset(); });
  loop.stop();
}

TEST_CASE("the registry lists live workers - forgets dead ones and redirects to the least loaded") {
  test::RedisServer redis;
  core::LoopThread loop("registry-test");
  std::unique_ptr<agent::RedisClient> ca, cb;
  std::unique_ptr<agent::WorkerRegistry> a, b;
  std::atomic<int64_t> bSessions{0};
  onLoop(loop, [&] {
    ca = std::make_unique<agent::RedisClient>(loop.loop(), urlOf(redis));
    cb = std::make_unique<agent::RedisClient>(loop.loop(), urlOf(redis));
    a = std::make_unique<agent::WorkerRegistry>(
        loop.loop(), *ca, "t",
        [] {
          agent::WorkerInfo w;
          w.id = "a";
          w.url = "http://127.0.0.1:1001";
          w.sessions = 2;
          w.maxSessions = 2;  // full
          w.accepting = false;
          return w;
        },
        100, 1000);
    b = std::make_unique<agent::WorkerRegistry>(
        loop.loop(), *cb, "t",
        [&] {
          agent::WorkerInfo w;
          w.id = "b";
          w.url = "http://127.0.0.1:1002";
          w.sessions = bSessions.load();
          w.maxSessions = 4;
          w.load = 0.2;
          return w;
        },
        100, 1000);
  });
  REQUIRE(waitFor([&] { return a->live().size() == 2 && b->live().size() == 2; }));
  CHECK(a->pickRedirect() == "http://127.0.0.1:1002");
  CHECK(b->pickRedirect() == "");  // a is full; never itself
  CHECK(redis.cli("PTTL t:worker:a") != "-1");

  // A worker that stopped heartbeating drops out after its TTL.
  redis.cli(
      "SET t:worker:ghost '{\"id\":\"ghost\",\"url\":\"http://x\",\"load\":0,\"sessions\":0,"
      "\"max_sessions\":9,\"accepting\":true}' PX 300");
  redis.cli("SADD t:workers ghost");
  REQUIRE(waitFor([&] { return a->live().size() == 3; }));
  CHECK(waitFor([&] { return a->live().size() == 2; }));
  CHECK(redis.cli("SISMEMBER t:workers ghost") == "0");

  bSessions = 4;  // b is full too: nowhere to send calls
  CHECK(waitFor([&] { return a->pickRedirect().empty(); }));
  onLoop(loop, [&] {
    b.reset();
    a.reset();
  });
  std::this_thread::sleep_for(200ms);  // the DEL/SREM reach redis
  onLoop(loop, [&] {
    ca.reset();
    cb.reset();
  });
  loop.stop();
  CHECK(redis.cli("EXISTS t:worker:b") == "0");
}

TEST_CASE("ended calls are appended to the calls stream") {
  test::RedisServer redis;
  core::LoopThread loop("stream-test");
  core::MetricsRegistry metrics;
  std::unique_ptr<agent::RedisClient> c;
  std::unique_ptr<agent::RedisCallStream> s;
  std::atomic<bool> up{false};
  onLoop(loop, [&] {
    c = std::make_unique<agent::RedisClient>(loop.loop(), urlOf(redis), [&] { up = true; });
    s = std::make_unique<agent::RedisCallStream>(*c, "t", 1000, metrics);
  });
  REQUIRE(waitFor([&] { return up.load(); }));
  onLoop(loop, [&] {
    agent::CallEvent started{"evt_1", "call.started", "demo", "call-9", {}, {}};
    agent::CallEvent ended{"evt_2",  "call.ended", "demo",
                           "call-9", {},           {{"id", "call-9"}, {"outcome", "booked"}}};
    s->onCallEvent(started);  // not a record: skipped
    s->onCallEvent(ended);
  });
  CHECK(waitFor([&] { return redis.cli("XLEN t:calls") == "1"; }));
  std::string entry = redis.cli("XRANGE t:calls - +");
  CHECK(entry.find("call-9") != std::string::npos);
  CHECK(entry.find("booked") != std::string::npos);
  onLoop(loop, [&] {
    s.reset();
    c.reset();
  });
  loop.stop();
}
