// At-least-once webhook delivery against a real HTTP receiver on loopback: the receiver fails
// the first deliveries with 500, the dispatcher is torn down and rebuilt on the same outbox file
// in between (a worker restart), and every event still arrives, signed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "agent/webhooks/WebhookDispatcher.hpp"
#include "agent/webhooks/WebhookSignature.hpp"
#include "core/LoopThread.hpp"
#include "tests/agent/fleet/FleetTestSupport.hpp"
#include "tests/agent/webhooks/WebhookTestSupport.hpp"
#include "tests/dialog/HttpTestServer.hpp"

using namespace parley;
using parley::test::onLoop;
using parley::test::waitFor;
using namespace std::chrono_literals;
using dialog::test::HttpTestRequest;
using dialog::test::HttpTestResponse;

namespace {

const std::string kSecret = "whsec-test-0123456789";

agent::WebhookEndpoints endpointsFor(const std::string& url) {
  return test::webhookEndpointsFor(url, kSecret);
}

}  // namespace

TEST_CASE("events survive failed deliveries and a restart - and arrive signed") {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-webhooks-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  test::WebhookReceiver rx(kSecret);
  rx.failFirst = 3;
  agent::WebhookSettings ws;
  ws.initialBackoffMs = 100;
  ws.timeoutMs = 2000;
  core::MetricsRegistry metrics;
  std::vector<agent::CallEvent> events = {test::webhookEvent("call.started"),
                                          test::webhookEvent("appointment.booked"),
                                          test::webhookEvent("call.ended")};
  {
    agent::WebhookOutbox outbox(dir / "webhooks.sqlite");
    core::LoopThread loop("fleet-test", metrics);
    std::unique_ptr<agent::WebhookDispatcher> d;
    onLoop(loop, [&] {
      d = std::make_unique<agent::WebhookDispatcher>(loop.loop(), endpointsFor(rx.server.baseUrl()),
                                                     outbox, ws, core::SystemClock::instance(),
                                                     metrics);
      for (const auto& e : events) d->onCallEvent(e);
      d->onCallEvent(test::webhookEvent("call.ended", "no-webhook-tenant"));  // ignored
    });
    // The first attempts fail (500); stop the "worker" before everything got through.
    CHECK(waitFor([&] { return rx.seen.load() >= 3; }));
    onLoop(loop, [&] { d.reset(); });
    loop.stop();
    CHECK(outbox.counts().pending + outbox.counts().delivered == 3);
  }
  CHECK(rx.delivered().size() < 3);  // not all delivered before the restart
  {
    agent::WebhookOutbox outbox(dir / "webhooks.sqlite");  // the restarted worker
    core::LoopThread loop("fleet-test2", metrics);
    std::unique_ptr<agent::WebhookDispatcher> d;
    onLoop(loop, [&] {
      d = std::make_unique<agent::WebhookDispatcher>(loop.loop(), endpointsFor(rx.server.baseUrl()),
                                                     outbox, ws, core::SystemClock::instance(),
                                                     metrics);
    });
    CHECK(waitFor([&] { return outbox.counts().delivered == 3; }));
    onLoop(loop, [&] { d.reset(); });
    loop.stop();
    CHECK(outbox.counts().pending == 0);
  }
  auto ids = rx.delivered();
  CHECK(ids.size() == 3);
  for (const auto& e : events) CHECK(ids.count(e.id) == 1);
  CHECK(metrics.renderPrometheus().find("parley_webhook_deliveries_total{result=\"failed\"} 3") !=
        std::string::npos);
}

TEST_CASE("an unreachable receiver is retried with growing waits and given up after max age") {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-webhooks-dead-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  agent::WebhookOutbox outbox(dir / "webhooks.sqlite");
  agent::WebhookSettings ws;
  ws.initialBackoffMs = 20;
  ws.timeoutMs = 500;
  ws.maxAgeMs = 600;
  core::MetricsRegistry metrics;
  core::LoopThread loop("fleet-test3", metrics);
  std::unique_ptr<agent::WebhookDispatcher> d;
  auto e = test::webhookEvent("call.ended");
  onLoop(loop, [&] {
    // Port 9 (discard) on loopback: connection refused.
    d = std::make_unique<agent::WebhookDispatcher>(loop.loop(),
                                                   endpointsFor("http://127.0.0.1:9/x"), outbox, ws,
                                                   core::SystemClock::instance(), metrics);
    d->onCallEvent(e);
  });
  CHECK(waitFor([&] { return outbox.stateOf(e.id) == std::optional<std::string>("dead"); }));
  onLoop(loop, [&] { d.reset(); });
  loop.stop();
  CHECK(metrics.renderPrometheus().find("parley_webhook_deliveries_total{result=\"dead\"} 1") !=
        std::string::npos);
}
