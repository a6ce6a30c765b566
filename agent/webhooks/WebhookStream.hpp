#pragma once
// The fleet's webhook outbox on Redis (issue 10: "durable outbox (SQLite single host; Redis
// stream in a fleet)"). Events are entries of the stream `<prefix>:webhooks` (field `event`:
// {"id","tenant","type","body","created_at_ms","attempts"}), read through the consumer group
// `webhooks`, so each entry is delivered by one live worker:
//   - a worker reads (XREADGROUP … >) while it has fewer than maxInFlight deliveries;
//   - a 2xx answer → XACK + XDEL;
//   - a failure → the event (attempts + 1) goes into the sorted set `<prefix>:webhooks:retry`
//     scored by its next attempt time (exponential backoff, WebhookSettings), then XACK + XDEL;
//     any worker moves due members back onto the stream with one Lua script (atomic: never lost,
//     never moved twice);
//   - older than max_age → XADD to `<prefix>:webhooks:dead` (capped) for inspection, then XACK;
//   - an entry a worker read but never finished (it was killed -9) stays in its pending list;
//     live workers take it over with XAUTOCLAIM once it has been idle `claimIdleMs`. A worker
//     re-claims its own deliveries in flight every claimIdleMs / 3 so they are not taken away.
// Every step keeps the event somewhere (stream, pending list or retry set) until it is delivered
// or dead: at least once. The event id is stable across attempts and workers (Parley-Event-Id)
// so receivers deduplicate the rare second delivery. Redis must persist (AOF) for the outbox to
// survive a Redis restart. Fleet loop thread only.
#include <uv.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "agent/fleet/RedisClient.hpp"
#include "agent/webhooks/WebhookDelivery.hpp"
#include "agent/webhooks/WebhookDispatcher.hpp"
#include "core/Clock.hpp"
#include "core/Log.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"

namespace parley::agent {

struct WebhookStreamSettings {
  std::string prefix = "parley";
  std::string consumer;          ///< this worker's id
  uint64_t pollMs = 250;         ///< how often to look for events and due retries
  uint64_t claimIdleMs = 60000;  ///< an entry idle this long belongs to a dead worker
  size_t deadMaxLen = 10000;     ///< approximate cap of the dead-letter stream
};

class WebhookStream final : public WebhookForwarder {
 public:
  /// Borrows `redis` (commands) and `endpoints`; starts polling. Throws core::SystemError if
  /// curl cannot be set up. Counts parley_webhook_deliveries_total{result} like the local
  /// dispatcher, and parley_webhook_fleet_total{event="forwarded"|"reclaimed"|"retried"}.
  WebhookStream(uv_loop_t* loop, RedisClient& redis, const WebhookEndpoints& endpoints,
                WebhookSettings settings, WebhookStreamSettings stream, const core::Clock& clock,
                core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  /// Cancels deliveries in flight: their entries stay pending and are claimed again.
  ~WebhookStream() override;

  /// XADDs the event (attempts 0); `done(true)` once Redis acknowledged it.
  void forward(const OutboxItem& item, std::function<void(bool ok)> done) override;
  size_t inFlight() const { return inFlight_.size(); }
  const std::string& streamKey() const { return stream_; }

 private:
  struct InFlight {
    nlohmann::json event;
    std::unique_ptr<WebhookPost> post;
  };
  void tick();
  void read(size_t room);
  void handle(const std::string& entryId, const std::string& eventText);
  void finish(const std::string& entryId, int status, const std::string& error);
  void done(const std::string& entryId);  // XACK + XDEL
  void keepClaims();
  int64_t nowMs() const;

  RedisClient& redis_;
  const WebhookEndpoints& endpoints_;
  WebhookSettings settings_;
  WebhookStreamSettings config_;
  const core::Clock& clock_;
  std::string stream_, retry_, dead_;
  std::unique_ptr<dialog::CurlMulti> http_;
  core::Timer timer_;
  bool groupReady_ = false;
  bool reading_ = false;
  int64_t lastClaimMs_ = 0;
  std::map<std::string, InFlight> inFlight_;  ///< by stream entry id
  std::mt19937_64 rng_{std::random_device{}()};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  ///< guards late replies
  core::Counter& delivered_;
  core::Counter& failed_;
  core::Counter& deadCount_;
  core::Counter& forwarded_;
  core::Counter& reclaimed_;
  core::Counter& retried_;
  core::Logger log_{"webhooks"};
};

}  // namespace parley::agent
