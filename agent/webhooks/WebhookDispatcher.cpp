#include "agent/webhooks/WebhookDispatcher.hpp"

#include <algorithm>

#include "dialog/net/CurlMulti.hpp"

namespace parley::agent {
namespace {
// Re-check the outbox at least this often, so a missed wake-up (or a row written by another
// process) delays a delivery by seconds, not a minute; one indexed query, cheap.
constexpr uint64_t kIdlePollMs = 5 * 1000;
// In a fleet, a new row waits this long for the Redis stream to confirm it before this worker
// delivers it itself: far above a Redis round trip, short enough that an event of a worker that
// lost Redis (or died and restarted) goes out within a minute.
constexpr int64_t kForwardGraceMs = 30 * 1000;
}  // namespace

WebhookDispatcher::WebhookDispatcher(uv_loop_t* loop, WebhookEndpoints endpoints,
                                     WebhookOutbox& outbox, WebhookSettings settings,
                                     const core::Clock& clock, core::MetricsRegistry& metrics)
    : endpoints_(std::move(endpoints)),
      outbox_(outbox),
      settings_(settings),
      clock_(clock),
      http_(std::make_unique<dialog::CurlMulti>(loop)),
      timer_(loop, [this] { pump(); }),
      delivered_(metrics.counter("parley_webhook_deliveries_total", "Webhook delivery attempts",
                                 {{"result", "delivered"}})),
      failed_(metrics.counter("parley_webhook_deliveries_total", "Webhook delivery attempts",
                              {{"result", "failed"}})),
      dead_(metrics.counter("parley_webhook_deliveries_total", "Webhook delivery attempts",
                            {{"result", "dead"}})),
      pending_(metrics.gauge("parley_webhook_outbox_pending", "Webhook events not yet delivered")) {
  timer_.start(0);  // what a previous run left pending goes out now
}

WebhookDispatcher::~WebhookDispatcher() {
  *alive_ = false;
  inFlight_.clear();  // cancels transfers: their rows stay pending for the next run
  http_.reset();
}

int64_t WebhookDispatcher::nowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wallNow().time_since_epoch())
      .count();
}

void WebhookDispatcher::onCallEvent(const CallEvent& event) {
  const WebhookEndpoint* ep = endpoints_.forTenant(event.tenant);
  if (!ep || !ep->wants(event.type)) return;
  OutboxItem item{
      event.id,
      event.tenant,
      event.type,
      event.envelope().dump(),
      0,
      std::chrono::duration_cast<std::chrono::milliseconds>(event.at.time_since_epoch()).count(),
      0};
  int64_t now = nowMs();
  try {
    if (!outbox_.add(item, forwarder_ ? now + kForwardGraceMs : now)) return;  // seen before
  } catch (const std::exception& e) {
    log_.error("webhook event {} not stored: {}", event.id, e.what());
    return;
  }
  if (forwarder_) {
    auto alive = alive_;
    std::string id = item.id;
    forwarder_->forward(item, [this, alive, id](bool ok) {
      if (!*alive) return;  // the row stays due after the grace: delivered on the next run
      try {
        if (ok)
          outbox_.forwarded(id, nowMs());
        else
          outbox_.retryLater(id, 0, nowMs(), 0, "redis did not take it; delivering locally");
      } catch (const std::exception& e) {
        log_.error("webhook outbox update failed: {}", e.what());
      }
      if (!ok) timer_.start(0);
    });
    return;
  }
  timer_.start(0);
}

void WebhookDispatcher::pump() {
  int64_t now = nowMs();
  std::vector<OutboxItem> due;
  try {
    std::set<std::string> busy;
    for (const auto& [id, d] : inFlight_) busy.insert(id);
    size_t room =
        settings_.maxInFlight > inFlight_.size() ? settings_.maxInFlight - inFlight_.size() : 0;
    if (room > 0) due = outbox_.due(now, room, busy);
  } catch (const std::exception& e) {
    log_.error("webhook outbox unreadable: {}", e.what());
  }
  for (auto& item : due) {
    const WebhookEndpoint* ep = endpoints_.forTenant(item.tenant);
    if (now - item.createdAtMs > settings_.maxAgeMs || !ep) {
      outbox_.dead(item.id, item.attempts, now, 0,
                   ep ? "older than webhooks.max_age_h" : "tenant has no webhook any more");
      dead_.inc();
      log_.warn("webhook event {} ({}) for tenant {} given up after {} attempts", item.id,
                item.type, item.tenant, item.attempts);
      continue;
    }
    auto req =
        webhookRequest(*ep, item.id, item.type, item.body, item.attempts, now, settings_.timeoutMs);
    std::string id = item.id;
    int attempts = item.attempts;
    inFlight_[id] = std::make_unique<WebhookPost>(
        *http_, req, [this, id, attempts](int status, const std::string& error) {
          finish(id, attempts, status, error);
        });
  }
  schedule();
}

void WebhookDispatcher::finish(const std::string& id, int attemptsBefore, int status,
                               const std::string& error) {
  auto it = inFlight_.find(id);
  if (it == inFlight_.end()) return;
  // The transfer is done; release it after this callback returns (curl is still in it).
  std::unique_ptr<WebhookPost> d = std::move(it->second);
  inFlight_.erase(it);
  int64_t now = nowMs();
  try {
    if (status >= 200 && status < 300) {
      outbox_.delivered(id, now, status);
      delivered_.inc();
      log_.debug("webhook event {} delivered (HTTP {})", id, status);
    } else {
      failed_.inc();
      int attempts = attemptsBefore + 1;
      auto delay = webhookBackoffMs(settings_, attempts, rng_);
      std::string why = error.empty() ? "HTTP " + std::to_string(status) : error;
      outbox_.retryLater(id, attempts, now + delay, status, why);
      log_.info("webhook event {} attempt {} failed ({}); next in {} ms", id, attempts, why, delay);
    }
  } catch (const std::exception& e) {
    log_.error("webhook outbox update failed: {}", e.what());
  }
  // Destroying the transfer inside curl's callback is what HttpTransfer supports (deferred).
  d.reset();
  timer_.start(0);
}

void WebhookDispatcher::schedule() {
  uint64_t wait = kIdlePollMs;
  try {
    // Due rows not taken by pump() are in flight (or over maxInFlight): finish() kicks again.
    if (auto next = outbox_.nextDueMs()) {
      int64_t delta = *next - nowMs();
      if (delta > 0) wait = static_cast<uint64_t>(std::min<int64_t>(delta, kIdlePollMs));
    }
    auto c = outbox_.counts();
    pending_.set(static_cast<double>(c.pending));
  } catch (const std::exception&) {
  }
  timer_.start(wait);
}

}  // namespace parley::agent
