#include "agent/fleet/AvailabilityFeed.hpp"

namespace parley::agent {
namespace {

constexpr size_t kMaxMessageBytes = 4096;  // a real change is < 300 bytes; bound the parse
constexpr size_t kMaxUnsentTenants = 10'000;

}  // namespace

AvailabilityFeed::AvailabilityFeed(core::LoopThread& loop, RedisClient& publisher, RedisUrl url,
                                   const std::string& prefix, std::string self,
                                   tools::AvailabilityCache& cache, core::MetricsRegistry& metrics)
    : loop_(loop),
      publisher_(&publisher),
      url_(std::move(url)),
      channel_(prefix + ":availability"),
      self_(std::move(self)),
      cache_(cache),
      sent_(metrics.counter("parley_availability_fleet_messages_total",
                            "Availability changes published to or received from the fleet",
                            {{"event", "sent"}})),
      sendFailed_(metrics.counter("parley_availability_fleet_messages_total",
                                  "Availability changes published to or received from the fleet",
                                  {{"event", "send_failed"}})),
      received_(metrics.counter("parley_availability_fleet_messages_total",
                                "Availability changes published to or received from the fleet",
                                {{"event", "received"}})),
      bad_(metrics.counter("parley_availability_fleet_messages_total",
                           "Availability changes published to or received from the fleet",
                           {{"event", "bad"}})) {}

void AvailabilityFeed::start() {
  cache_.attachFleet(shared_from_this());
  subscriber_ = std::make_unique<RedisClient>(loop_.loop(), url_);
  std::weak_ptr<AvailabilityFeed> weak = shared_from_this();
  subscriber_->subscribe(
      channel_,
      [weak](const std::string& payload) {
        if (auto self = weak.lock()) self->onMessage(payload);
      },
      [weak](bool live) {
        auto self = weak.lock();
        if (!self) return;
        self->cache_.setFleetLive(live);
        if (live) self->resendUnsent();
      });
}

void AvailabilityFeed::close() {
  cache_.detachFleet();
  subscriber_.reset();
  publisher_ = nullptr;
}

void AvailabilityFeed::publish(const tools::AvailabilityChange& change) {
  std::weak_ptr<AvailabilityFeed> weak = weak_from_this();
  loop_.post([weak, change] {
    if (auto self = weak.lock()) self->send(change);
  });
}

void AvailabilityFeed::send(const tools::AvailabilityChange& change) {
  if (!publisher_) return;
  resendUnsent();
  std::weak_ptr<AvailabilityFeed> weak = weak_from_this();
  std::string tenant = change.tenant;
  publisher_->command({"PUBLISH", channel_, change.toJson(self_)},
                      [weak, tenant](const RedisValue& v) {
                        auto self = weak.lock();
                        if (!self) return;
                        if (v.ok()) {
                          self->sent_.inc();
                          return;
                        }
                        // Lost for now: resent (whole tenant) once Redis answers again.
                        self->sendFailed_.inc();
                        if (self->unsent_.size() < kMaxUnsentTenants) self->unsent_.insert(tenant);
                      });
}

void AvailabilityFeed::resendUnsent() {
  if (!publisher_ || unsent_.empty() || !publisher_->connected()) return;
  std::set<std::string> tenants;
  tenants.swap(unsent_);
  log_.info("resending availability changes of {} tenants to the fleet", tenants.size());
  for (const auto& t : tenants) send(tools::AvailabilityChange{t, {}, {}});
}

void AvailabilityFeed::onMessage(const std::string& payload) {
  std::string origin;
  auto change = payload.size() <= kMaxMessageBytes
                    ? tools::AvailabilityChange::fromJson(payload, &origin)
                    : std::nullopt;
  if (!change) {
    bad_.inc();
    log_.debug("ignoring a malformed message on {} ({} bytes)", channel_, payload.size());
    return;
  }
  if (origin == self_) return;  // our own change: applied when it was made
  received_.inc();
  cache_.applyRemote(*change);
}

}  // namespace parley::agent
