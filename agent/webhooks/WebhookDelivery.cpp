#include "agent/webhooks/WebhookDelivery.hpp"

#include <algorithm>
#include <cmath>

#include "agent/webhooks/WebhookSignature.hpp"

namespace parley::agent {

dialog::HttpRequest webhookRequest(const WebhookEndpoint& endpoint, const std::string& eventId,
                                   const std::string& type, const std::string& body,
                                   int attemptsBefore, int64_t nowMs, uint64_t timeoutMs) {
  dialog::HttpRequest req;
  req.method = "POST";
  req.url = endpoint.url;
  req.body = body;
  req.totalTimeoutMs = timeoutMs;
  req.connectTimeoutMs = std::min<uint64_t>(5000, timeoutMs);
  req.headers = {"Content-Type: application/json",
                 "User-Agent: parley-webhooks/1",
                 "Parley-Event-Id: " + eventId,
                 "Parley-Event-Type: " + type,
                 "Parley-Delivery-Attempt: " + std::to_string(attemptsBefore + 1),
                 "Parley-Signature: " + signatureHeader(endpoint.secret, nowMs / 1000, body)};
  return req;
}

int64_t webhookBackoffMs(const WebhookSettings& settings, int attempts, std::mt19937_64& rng) {
  double base = static_cast<double>(settings.initialBackoffMs) *
                std::pow(2.0, std::clamp(attempts - 1, 0, 40));
  base = std::min(base, static_cast<double>(settings.maxBackoffMs));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return static_cast<int64_t>(base * jitter(rng));
}

WebhookPost::WebhookPost(dialog::CurlMulti& http, const dialog::HttpRequest& request, Done done)
    : done_(std::move(done)) {
  transfer_ = http.start(request, *this);
}

void WebhookPost::onHttpDone(const dialog::HttpListener::Done& d) {
  std::string error;
  if (d.curlCode != 0)
    error = d.timedOut ? "timed out" : d.connectFailed ? "connect failed" : d.message;
  auto done = std::move(done_);
  done(d.curlCode == 0 ? status_ : 0, error);  // may destroy this (deferred by HttpTransfer)
}

}  // namespace parley::agent
