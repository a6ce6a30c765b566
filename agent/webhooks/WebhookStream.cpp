#include "agent/webhooks/WebhookStream.hpp"

#include "agent/fleet/RedisStreamEntries.hpp"
#include "dialog/net/CurlMulti.hpp"

namespace parley::agent {
namespace {

constexpr const char* kGroup = "webhooks";
constexpr size_t kMaxEventBytes = 1 << 20;  // an envelope is a few KiB; bound the parse
constexpr size_t kMoveBatch = 100;          // due retries moved per tick

// Moves retries that are due (score <= now) from the sorted set back onto the stream, in one
// atomic step, so two workers running it at once never move a member twice or lose one.
constexpr const char* kMoveDue = R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'event', m)
  redis.call('ZREM', KEYS[1], m)
end
return #due
)lua";

}  // namespace

WebhookStream::WebhookStream(uv_loop_t* loop, RedisClient& redis, const WebhookEndpoints& endpoints,
                             WebhookSettings settings, WebhookStreamSettings stream,
                             const core::Clock& clock, core::MetricsRegistry& metrics)
    : redis_(redis),
      endpoints_(endpoints),
      settings_(settings),
      config_(std::move(stream)),
      clock_(clock),
      stream_(config_.prefix + ":webhooks"),
      retry_(config_.prefix + ":webhooks:retry"),
      dead_(config_.prefix + ":webhooks:dead"),
      http_(std::make_unique<dialog::CurlMulti>(loop)),
      timer_(loop, [this] { tick(); }),
      delivered_(metrics.counter("parley_webhook_deliveries_total", "Webhook delivery attempts",
                                 {{"result", "delivered"}})),
      failed_(metrics.counter("parley_webhook_deliveries_total", "Webhook delivery attempts",
                              {{"result", "failed"}})),
      deadCount_(metrics.counter("parley_webhook_deliveries_total", "Webhook delivery attempts",
                                 {{"result", "dead"}})),
      forwarded_(metrics.counter("parley_webhook_fleet_total",
                                 "Webhook events through the fleet's Redis stream",
                                 {{"event", "forwarded"}})),
      reclaimed_(metrics.counter("parley_webhook_fleet_total",
                                 "Webhook events through the fleet's Redis stream",
                                 {{"event", "reclaimed"}})),
      retried_(metrics.counter("parley_webhook_fleet_total",
                               "Webhook events through the fleet's Redis stream",
                               {{"event", "retried"}})) {
  timer_.start(0, config_.pollMs);
}

WebhookStream::~WebhookStream() {
  *alive_ = false;
  timer_.stop();
  inFlight_.clear();  // cancels transfers; the entries stay pending in Redis
  http_.reset();
}

int64_t WebhookStream::nowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wallNow().time_since_epoch())
      .count();
}

void WebhookStream::forward(const OutboxItem& item, std::function<void(bool)> cb) {
  nlohmann::json event = {{"id", item.id},
                          {"tenant", item.tenant},
                          {"type", item.type},
                          {"body", item.body},
                          {"created_at_ms", item.createdAtMs},
                          {"attempts", 0}};
  auto alive = alive_;
  redis_.command({"XADD", stream_, "*", "event", event.dump()},
                 [this, alive, cb](const RedisValue& v) {
                   bool ok = v.ok() && v.type == RedisValue::Type::String;
                   if (ok && *alive) forwarded_.inc();
                   cb(ok);
                 });
}

void WebhookStream::tick() {
  if (!redis_.connected()) {
    groupReady_ = false;
    return;
  }
  auto alive = alive_;
  if (!groupReady_) {
    // From "0": events added before any worker created the group are read too.
    redis_.command({"XGROUP", "CREATE", stream_, kGroup, "0", "MKSTREAM"},
                   [this, alive](const RedisValue& v) {
                     if (!*alive) return;
                     if (v.ok() || v.str.rfind("BUSYGROUP", 0) == 0) groupReady_ = true;
                   });
    return;
  }
  int64_t now = nowMs();
  redis_.command(
      {"EVAL", kMoveDue, "2", retry_, stream_, std::to_string(now), std::to_string(kMoveBatch)},
      [this, alive](const RedisValue& v) {
        if (!*alive) return;
        if (!v.ok()) log_.warn("moving due webhook retries failed: {}", v.str);
      });
  if (now - lastClaimMs_ > static_cast<int64_t>(config_.claimIdleMs) / 3) {
    keepClaims();
    lastClaimMs_ = now;
  }
  size_t room =
      settings_.maxInFlight > inFlight_.size() ? settings_.maxInFlight - inFlight_.size() : 0;
  if (!reading_ && room > 0) read(room);
}

void WebhookStream::read(size_t room) {
  reading_ = true;
  auto alive = alive_;
  // Events a dead worker left behind come first, then new ones.
  redis_.command({"XAUTOCLAIM", stream_, kGroup, config_.consumer,
                  std::to_string(config_.claimIdleMs), "0-0", "COUNT", std::to_string(room)},
                 [this, alive, room](const RedisValue& claimed) {
                   if (!*alive) return;
                   size_t took = 0;
                   for (auto& entry : autoClaimEntries(claimed, "event")) {
                     if (inFlight_.count(entry.id)) continue;  // ours, still running
                     ++took;
                     reclaimed_.inc();
                     log_.info("took over webhook entry {} of a worker that stopped answering",
                               entry.id);
                     handle(entry.id, entry.value);
                   }
                   if (took >= room) {
                     reading_ = false;
                     return;
                   }
                   redis_.command({"XREADGROUP", "GROUP", kGroup, config_.consumer, "COUNT",
                                   std::to_string(room - took), "STREAMS", stream_, ">"},
                                  [this, alive](const RedisValue& v) {
                                    if (!*alive) return;
                                    reading_ = false;
                                    for (auto& entry : readGroupEntries(v, "event"))
                                      handle(entry.id, entry.value);
                                  });
                 });
}

void WebhookStream::handle(const std::string& entryId, const std::string& eventText) {
  auto event = eventText.size() <= kMaxEventBytes ? nlohmann::json::parse(eventText, nullptr, false)
                                                  : nlohmann::json();
  if (!event.is_object() || !event.contains("id") || !event["id"].is_string() ||
      !event.contains("tenant") || !event["tenant"].is_string() || !event.contains("body") ||
      !event["body"].is_string()) {
    log_.error("webhook stream entry {} is not an event; dropped", entryId);
    done(entryId);
    return;
  }
  const std::string id = event["id"];
  const std::string tenant = event["tenant"];
  const int attempts = event.value("attempts", 0);
  const int64_t now = nowMs();
  const WebhookEndpoint* ep = endpoints_.forTenant(tenant);
  if (!ep || now - event.value("created_at_ms", now) > settings_.maxAgeMs) {
    event["reason"] = ep ? "older than webhooks.max_age_h" : "tenant has no webhook any more";
    deadCount_.inc();
    log_.warn("webhook event {} ({}) for tenant {} given up after {} attempts", id,
              event.value("type", ""), tenant, attempts);
    auto alive = alive_;
    redis_.command({"XADD", dead_, "MAXLEN", "~", std::to_string(config_.deadMaxLen), "*", "event",
                    event.dump()},
                   [this, alive, entryId](const RedisValue& v) {
                     if (*alive && v.ok()) done(entryId);  // else: stays pending, seen again
                   });
    return;
  }
  auto req = webhookRequest(*ep, id, event.value("type", ""), event["body"].get<std::string>(),
                            attempts, now, settings_.timeoutMs);
  InFlight& f = inFlight_[entryId];
  f.event = std::move(event);
  f.post = std::make_unique<WebhookPost>(
      *http_, req,
      [this, entryId](int status, const std::string& error) { finish(entryId, status, error); });
}

void WebhookStream::finish(const std::string& entryId, int status, const std::string& error) {
  auto it = inFlight_.find(entryId);
  if (it == inFlight_.end()) return;
  // The transfer is done; release it after this callback returns (curl is still in it).
  InFlight f = std::move(it->second);
  inFlight_.erase(it);
  const std::string id = f.event["id"];
  if (status >= 200 && status < 300) {
    delivered_.inc();
    log_.debug("webhook event {} delivered (HTTP {})", id, status);
    done(entryId);
  } else {
    failed_.inc();
    int attempts = f.event.value("attempts", 0) + 1;
    int64_t delay = webhookBackoffMs(settings_, attempts, rng_);
    std::string why = error.empty() ? "HTTP " + std::to_string(status) : error;
    log_.info("webhook event {} attempt {} failed ({}); next in {} ms", id, attempts, why, delay);
    f.event["attempts"] = attempts;
    f.event["last_error"] = why;
    auto alive = alive_;
    // Into the retry set first, then off the stream: a crash in between delivers it twice
    // (the receiver deduplicates by id), never zero times.
    redis_.command({"ZADD", retry_, std::to_string(nowMs() + delay), f.event.dump()},
                   [this, alive, entryId](const RedisValue& v) {
                     if (!*alive || !v.ok()) return;  // stays pending: claimed again later
                     retried_.inc();
                     done(entryId);
                   });
  }
  f.post.reset();
}

void WebhookStream::done(const std::string& entryId) {
  redis_.command({"XACK", stream_, kGroup, entryId});
  redis_.command({"XDEL", stream_, entryId});
}

void WebhookStream::keepClaims() {
  // Resetting the idle time of our deliveries in flight keeps other workers from taking them.
  for (const auto& [entryId, f] : inFlight_)
    redis_.command({"XCLAIM", stream_, kGroup, config_.consumer, "0", entryId, "JUSTID"});
}

}  // namespace parley::agent
