// The outbound queue against a real redis-server: 20 jobs, one consumer that read jobs and died
// before starting them, one worker killed while running two calls, one surviving worker — every
// job runs exactly once.
#include <doctest/doctest.h>

#include <future>
#include <map>
#include <thread>

#include "RedisServer.hpp"
#include "agent/fleet/OutboundQueue.hpp"
#include "core/LoopThread.hpp"
#include "tests/agent/fleet/FleetTestSupport.hpp"

using namespace parley;
using parley::test::onLoop;
using parley::test::waitFor;
using namespace std::chrono_literals;

TEST_CASE("every outbound job runs exactly once across a dead reader and a killed worker") {
  test::RedisServer redis;
  core::LoopThread loop("outbound-test");
  core::MetricsRegistry metrics;
  std::mutex mutex;
  std::map<std::string, std::vector<std::string>> runs;  // job id → workers that ran it
  auto record = [&](const std::string& worker, const nlohmann::json& job) {
    std::lock_guard lock(mutex);
    runs[job["job_id"].get<std::string>()].push_back(worker);
  };
  auto settingsFor = [](const std::string& consumer) {
    agent::OutboundQueueSettings s;
    s.prefix = "t";
    s.consumer = consumer;
    s.pollMs = 20;
    s.claimIdleMs = 400;
    return s;
  };
  auto url = *agent::RedisUrl::parse(redis.url());

  std::unique_ptr<agent::RedisClient> c1, c2;
  std::unique_ptr<agent::OutboundQueue> w1, w2;
  std::atomic<bool> up{false};
  onLoop(loop,
         [&] { c1 = std::make_unique<agent::RedisClient>(loop.loop(), url, [&] { up = true; }); });
  REQUIRE(waitFor([&] { return up.load(); }));
  // Worker 1: room for two calls, and its calls never finish (it will be killed).
  onLoop(loop, [&] {
    w1 = std::make_unique<agent::OutboundQueue>(
        loop.loop(), *c1, settingsFor("w1"), [&] { return w1->running() < 2; },
        [&](const nlohmann::json& job, std::function<void()>) { record("w1", job); }, metrics);
  });
  // The group exists once w1 ticked; then a reader that dies right after reading 3 entries.
  REQUIRE(waitFor([&] { return redis.cli("EXISTS t:outbound") == "1"; }));
  for (int i = 0; i < 20; ++i)
    onLoop(loop, [&, i] {
      w1->enqueue({{"job_id", "job-" + std::to_string(i)}, {"to", "+1555"}});
    });
  REQUIRE(waitFor([&] { return redis.cli("XLEN t:outbound") == "20"; }));
  REQUIRE(waitFor([&] { return w1->running() == 2; }));
  redis.cli("XREADGROUP GROUP workers ghost COUNT 3 STREAMS t:outbound '>'");
  onLoop(loop, [&] {
    w1.reset();  // killed mid-call: its two entries stay pending, their job ids stay taken
    c1.reset();
  });

  // Worker 2 finishes each call at once and has room for one at a time.
  std::atomic<bool> up2{false};
  onLoop(loop, [&] {
    c2 = std::make_unique<agent::RedisClient>(loop.loop(), url, [&] { up2 = true; });
    w2 = std::make_unique<agent::OutboundQueue>(
        loop.loop(), *c2, settingsFor("w2"), [&] { return w2->running() < 1; },
        [&](const nlohmann::json& job, std::function<void()> done) {
          record("w2", job);
          done();
        },
        metrics);
  });
  CHECK(waitFor([&] {
    std::lock_guard lock(mutex);
    return runs.size() == 20;
  }));
  // The dead reader's 3 and the killed worker's 2 entries are claimed after 400 ms idle and
  // acknowledged; nothing is left pending.
  CHECK(waitFor([&] { return redis.cli("XPENDING t:outbound workers").rfind("0", 0) == 0; }));
  std::this_thread::sleep_for(500ms);  // a second round of claims would show up as re-runs
  onLoop(loop, [&] {
    w2.reset();
    c2.reset();
  });
  loop.stop();
  std::lock_guard lock(mutex);
  CHECK(runs.size() == 20);
  int byW1 = 0;
  for (const auto& [id, workers] : runs) {
    CHECK_MESSAGE(workers.size() == 1, id << " ran " << workers.size() << " times");
    if (workers.front() == "w1") ++byW1;
  }
  CHECK(byW1 == 2);
  std::string m = metrics.renderPrometheus();
  CHECK(m.find("parley_outbound_jobs_total{result=\"already_started\"} 2") != std::string::npos);
  CHECK(m.find("parley_outbound_jobs_total{result=\"reclaimed\"} 5") != std::string::npos);
}
