// What the webhook tests share: endpoints for one tenant with a known secret, a call event,
// and a real HTTP receiver on loopback that fails the first N deliveries with 500.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <string>

#include "agent/webhooks/WebhookDispatcher.hpp"
#include "agent/webhooks/WebhookSignature.hpp"
#include "tests/dialog/HttpTestServer.hpp"

namespace parley::test {

/// Endpoints with one tenant ("demo") posting to `url`, signed with `secret`.
inline agent::WebhookEndpoints webhookEndpointsFor(const std::string& url,
                                                   const std::string& secret) {
  return agent::WebhookEndpoints::fromYaml(
      "tenants:\n  demo: {url: '" + url + "', secret_env: HOOK_SECRET}\n", "t",
      [secret](const std::string& k) -> std::optional<std::string> {
        if (k == "HOOK_SECRET") return secret;
        return std::nullopt;
      });
}

/// A call event of `type` for `tenant`, stamped now, with a fresh event id.
inline agent::CallEvent webhookEvent(const std::string& type, const std::string& tenant = "demo") {
  agent::CallEvent e;
  e.id = agent::newEventId();
  e.type = type;
  e.tenant = tenant;
  e.callId = "call-1";
  e.at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  e.data = {{"id", "call-1"}};
  return e;
}

/// A webhook receiver: answers the first `failFirst` requests 500, the rest 200.
struct WebhookReceiver {
  explicit WebhookReceiver(std::string secret) : secret_(std::move(secret)) {}

  std::atomic<int> failFirst{0};
  std::atomic<int> seen{0};
  dialog::test::HttpTestServer server{[this](const dialog::test::HttpTestRequest&) {
    dialog::test::HttpTestResponse r;
    r.status = seen.fetch_add(1) < failFirst.load() ? 500 : 200;
    r.pieces = {{0, "ok"}};
    return r;
  }};

  /// Event ids of the requests answered 200. Every request, failed or not, must carry a valid
  /// signature and id/type headers that match its body (checked here).
  std::set<std::string> delivered() {
    std::set<std::string> ids;
    int n = 0;
    for (const auto& r : server.requests()) {
      CHECK(agent::verifySignature(secret_, r.header("parley-signature"), r.body,
                                   std::chrono::system_clock::now()));
      auto body = nlohmann::json::parse(r.body);
      CHECK(body["id"] == r.header("parley-event-id"));
      CHECK(body["type"] == r.header("parley-event-type"));
      if (n++ >= failFirst.load()) ids.insert(r.header("parley-event-id"));
    }
    return ids;
  }

 private:
  std::string secret_;
};

}  // namespace parley::test
