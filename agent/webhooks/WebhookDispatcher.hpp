#pragma once
// Delivers webhook events at least once (issue 10): each CallEvent for a tenant with a webhook
// goes into the durable outbox first, then is POSTed (JSON envelope, Parley-Signature,
// Parley-Event-Id, Parley-Event-Type) with libcurl on the fleet loop (dialog::CurlMulti, never a
// media loop). A 2xx answer marks it delivered; anything else (status, timeout, refused
// connection) is retried with exponential backoff — initial_backoff_ms × 2^(attempt−1), capped
// at max_backoff_s, ±20 % jitter — until the event is older than max_age_h, when it is marked
// dead. On start, pending rows of a previous run are sent again: nothing is lost on restart.
//
// In a fleet (setForwarder: WebhookStream on Redis) a new event is still written to the local
// outbox first, due only after a grace period; once the fleet stream has it the row is marked
// forwarded and any worker delivers it. If the stream does not take it (Redis down) or this
// worker dies before it was confirmed, the row falls due here and this worker delivers it itself
// — nothing is lost either way (at least once; the event id lets receivers deduplicate).
// Loop-thread only (construct, use and destroy on the fleet loop's thread).
#include <uv.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "agent/records/CallRecorder.hpp"
#include "agent/webhooks/WebhookDelivery.hpp"
#include "agent/webhooks/WebhookEndpoints.hpp"
#include "agent/webhooks/WebhookOutbox.hpp"
#include "core/Clock.hpp"
#include "core/Log.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"

namespace parley::agent {

/// Hands a stored event to the fleet (WebhookStream). `done(true)` once the fleet holds it
/// durably, `done(false)` if it could not; on the loop thread, possibly later.
class WebhookForwarder {
 public:
  virtual ~WebhookForwarder() = default;
  virtual void forward(const OutboxItem& item, std::function<void(bool ok)> done) = 0;
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
  /// Fleet mode: new events go to `forwarder` (borrowed; null = back to local delivery only).
  void setForwarder(WebhookForwarder* forwarder) { forwarder_ = forwarder; }
  const WebhookEndpoints& endpoints() const { return endpoints_; }
  size_t inFlight() const { return inFlight_.size(); }

 private:
  void pump();
  void schedule();
  void finish(const std::string& id, int attemptsBefore, int status, const std::string& error);
  int64_t nowMs() const;

  WebhookEndpoints endpoints_;
  WebhookOutbox& outbox_;
  WebhookSettings settings_;
  const core::Clock& clock_;
  std::unique_ptr<dialog::CurlMulti> http_;
  core::Timer timer_;
  std::map<std::string, std::unique_ptr<WebhookPost>> inFlight_;
  WebhookForwarder* forwarder_ = nullptr;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  ///< guards forwarder replies
  std::mt19937_64 rng_{std::random_device{}()};
  core::Counter& delivered_;
  core::Counter& failed_;
  core::Counter& dead_;
  core::Gauge& pending_;
  core::Logger log_{"webhooks"};
};

}  // namespace parley::agent
