#pragma once
// Delivers webhook events at least once (issue 10): each CallEvent for a tenant with a webhook
// goes into the durable outbox first, then is POSTed (JSON envelope, Parley-Signature,
// Parley-Event-Id, Parley-Event-Type) with libcurl on the fleet loop (dialog::CurlMulti, never a
// media loop). A 2xx answer marks it delivered; anything else (status, timeout, refused
// connection) is retried with exponential backoff — initial_backoff_ms × 2^(attempt−1), capped
// at max_backoff_s, ±20 % jitter — until the event is older than max_age_h, when it is marked
// dead. On start, pending rows of a previous run are sent again: nothing is lost on restart.
// Loop-thread only (construct, use and destroy on the fleet loop's thread).
#include <uv.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "agent/records/CallRecorder.hpp"
#include "agent/webhooks/WebhookEndpoints.hpp"
#include "agent/webhooks/WebhookOutbox.hpp"
#include "core/Clock.hpp"
#include "core/Log.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"

namespace parley::dialog {
class CurlMulti;
class HttpTransfer;
}  // namespace parley::dialog

namespace parley::agent {

struct WebhookSettings {
  uint64_t timeoutMs = 10000;        ///< whole delivery deadline
  uint64_t initialBackoffMs = 1000;  ///< wait after the first failure
  uint64_t maxBackoffMs = 3600 * 1000;
  int64_t maxAgeMs = 24LL * 3600 * 1000;  ///< give up on events older than this
  size_t maxInFlight = 16;                ///< deliveries at once
};

class WebhookDispatcher final : public CallEventListener {
 public:
  /// `outbox` is borrowed. Starts delivering what is pending at once. Throws
  /// core::SystemError if curl cannot be set up.
  WebhookDispatcher(uv_loop_t* loop, WebhookEndpoints endpoints, WebhookOutbox& outbox,
                    WebhookSettings settings, const core::Clock& clock,
                    core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  /// Cancels deliveries in flight (they stay pending in the outbox).
  ~WebhookDispatcher() override;

  /// Stores the event if its tenant has a webhook that wants it, then kicks delivery.
  void onCallEvent(const CallEvent& event) override;
  const WebhookEndpoints& endpoints() const { return endpoints_; }
  size_t inFlight() const { return inFlight_.size(); }

 private:
  struct Delivery;
  void pump();
  void schedule();
  void finish(const std::string& id, int status, const std::string& error);
  int64_t nowMs() const;

  WebhookEndpoints endpoints_;
  WebhookOutbox& outbox_;
  WebhookSettings settings_;
  const core::Clock& clock_;
  std::unique_ptr<dialog::CurlMulti> http_;
  core::Timer timer_;
  std::map<std::string, std::unique_ptr<Delivery>> inFlight_;
  std::mt19937_64 rng_{std::random_device{}()};
  core::Counter& delivered_;
  core::Counter& failed_;
  core::Counter& dead_;
  core::Gauge& pending_;
  core::Logger log_{"webhooks"};
};

}  // namespace parley::agent
