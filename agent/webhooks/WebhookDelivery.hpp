#pragma once
// One webhook delivery attempt, shared by the local outbox (WebhookDispatcher) and the fleet's
// Redis stream (WebhookStream): the signed POST, its outcome, and the backoff before the next
// attempt. Loop-thread only (curl runs on the fleet loop).
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "agent/webhooks/WebhookEndpoints.hpp"
#include "dialog/net/CurlMulti.hpp"

namespace parley::agent {

struct WebhookSettings {
  uint64_t timeoutMs = 10000;        ///< whole delivery deadline
  uint64_t initialBackoffMs = 1000;  ///< wait after the first failure
  uint64_t maxBackoffMs = 3600 * 1000;
  int64_t maxAgeMs = 24LL * 3600 * 1000;  ///< give up on events older than this
  size_t maxInFlight = 16;                ///< deliveries at once
};

/// The POST of one event: JSON `body` (the envelope, exactly as signed), headers
/// Parley-Event-Id (stable: receivers deduplicate with it), Parley-Event-Type,
/// Parley-Delivery-Attempt (1-based) and Parley-Signature over "<t>.<body>" with t = nowMs/1000.
dialog::HttpRequest webhookRequest(const WebhookEndpoint& endpoint, const std::string& eventId,
                                   const std::string& type, const std::string& body,
                                   int attemptsBefore, int64_t nowMs, uint64_t timeoutMs);

/// Wait before attempt `attempts + 1` after `attempts` failures (≥ 1): initial × 2^(attempts−1),
/// capped at maxBackoffMs, ±20 % jitter so a fleet's retries do not arrive together. ms.
int64_t webhookBackoffMs(const WebhookSettings& settings, int attempts, std::mt19937_64& rng);

/// One attempt in flight. `done(status, error)` runs once on the loop: status is the HTTP status
/// (0 if none arrived), error is "" or why ("timed out", "connect failed", curl's text).
/// Destroying the object cancels the transfer (done is not called). 2xx = delivered.
class WebhookPost final : public dialog::HttpListener {
 public:
  using Done = std::function<void(int status, const std::string& error)>;
  WebhookPost(dialog::CurlMulti& http, const dialog::HttpRequest& request, Done done);

  void onHttpResponse(int status, const dialog::HttpHeaders&) override { status_ = status; }
  void onHttpData(std::span<const uint8_t>) override {}
  void onHttpDone(const dialog::HttpListener::Done& d) override;

 private:
  int status_ = 0;
  Done done_;
  std::unique_ptr<dialog::HttpTransfer> transfer_;
};

}  // namespace parley::agent
