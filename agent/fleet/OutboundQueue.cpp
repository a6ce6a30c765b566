#include "agent/fleet/OutboundQueue.hpp"

#include <chrono>

#include "agent/fleet/RedisStreamEntries.hpp"

namespace parley::agent {
namespace {

constexpr const char* kGroup = "workers";

int64_t monoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

OutboundQueue::OutboundQueue(uv_loop_t* loop, RedisClient& redis, OutboundQueueSettings settings,
                             std::function<bool()> hasRoom, Runner runner,
                             core::MetricsRegistry& metrics)
    : loop_(loop),
      redis_(redis),
      settings_(std::move(settings)),
      hasRoom_(std::move(hasRoom)),
      runner_(std::move(runner)),
      stream_(settings_.prefix + ":outbound"),
      timer_(loop, [this] { tick(); }),
      started_(metrics.counter("parley_outbound_jobs_total", "Outbound queue jobs by outcome",
                               {{"result", "started"}})),
      skipped_(metrics.counter("parley_outbound_jobs_total", "Outbound queue jobs by outcome",
                               {{"result", "already_started"}})),
      deferred_(metrics.counter("parley_outbound_jobs_total", "Outbound queue jobs by outcome",
                                {{"result", "deferred"}})),
      reclaimed_(metrics.counter("parley_outbound_jobs_total", "Outbound queue jobs by outcome",
                                 {{"result", "reclaimed"}})) {
  timer_.start(0, settings_.pollMs);
}

OutboundQueue::~OutboundQueue() {
  *alive_ = false;
  timer_.stop();
}

void OutboundQueue::enqueue(const nlohmann::json& job, std::function<void(const std::string&)> cb) {
  redis_.command({"XADD", stream_, "*", "job", job.dump()}, [cb](const RedisValue& v) {
    if (cb) cb(v.ok() && v.type == RedisValue::Type::String ? v.str : std::string());
  });
}

void OutboundQueue::tick() {
  if (!redis_.connected()) {
    groupReady_ = false;
    return;
  }
  auto alive = alive_;
  if (!groupReady_) {
    // From "0": jobs queued before any worker created the group are read too.
    redis_.command({"XGROUP", "CREATE", stream_, kGroup, "0", "MKSTREAM"},
                   [this, alive](const RedisValue& v) {
                     if (!*alive) return;
                     if (v.ok() || v.str.rfind("BUSYGROUP", 0) == 0) groupReady_ = true;
                   });
    return;
  }
  if (monoNs() - lastClaimNs_ > static_cast<int64_t>(settings_.claimIdleMs) * 1000000 / 3) {
    keepClaims();
    lastClaimNs_ = monoNs();
  }
  if (reading_ || !hasRoom_()) return;
  reading_ = true;
  // Work a dead worker left behind comes first, then new entries.
  redis_.command({"XAUTOCLAIM", stream_, kGroup, settings_.consumer,
                  std::to_string(settings_.claimIdleMs), "0-0", "COUNT", "1"},
                 [this, alive](const RedisValue& claimed) {
                   if (!*alive) return;
                   auto claimedEntries = autoClaimEntries(claimed, "job");
                   if (!claimedEntries.empty()) {
                     reading_ = false;
                     reclaimed_.inc();
                     log_.info("took over outbound entry {} of a worker that stopped answering",
                               claimedEntries.front().id);
                     handle(claimedEntries.front().id, claimedEntries.front().value);
                     return;
                   }
                   redis_.command({"XREADGROUP", "GROUP", kGroup, settings_.consumer, "COUNT", "1",
                                   "STREAMS", stream_, ">"},
                                  [this, alive](const RedisValue& v) {
                                    if (!*alive) return;
                                    reading_ = false;
                                    for (auto& entry : readGroupEntries(v, "job"))
                                      handle(entry.id, entry.value);
                                  });
                 });
}

void OutboundQueue::handle(const std::string& entryId, const std::string& jobText) {
  auto job = nlohmann::json::parse(jobText, nullptr, false);
  if (!job.is_object() || !job.contains("job_id") || !job["job_id"].is_string()) {
    log_.error("outbound entry {} has no job_id; dropped", entryId);
    redis_.command({"XACK", stream_, kGroup, entryId});
    return;
  }
  if (!gate_) return take(entryId, job);
  auto alive = alive_;
  gate_(job, [this, alive, entryId, job](int64_t waitMs) {
    if (!*alive) return;
    if (waitMs <= 0) return take(entryId, job);
    // Not yet (pacing, calling hours): back to the end of the queue, same job id.
    deferred_.inc();
    redis_.command({"XADD", stream_, "*", "job", job.dump()},
                   [this, alive, entryId](const RedisValue& v) {
                     if (*alive && v.ok()) redis_.command({"XACK", stream_, kGroup, entryId});
                   });
  });
}

void OutboundQueue::take(const std::string& entryId, const nlohmann::json& job) {
  std::string jobId = job["job_id"].get<std::string>();
  auto alive = alive_;
  // Taking the job id is what makes "never twice" hold across workers and re-deliveries.
  redis_.command({"SET", settings_.prefix + ":job:" + jobId, settings_.consumer, "NX", "PX",
                  std::to_string(settings_.jobKeyTtlMs)},
                 [this, alive, entryId, jobId, job](const RedisValue& v) {
                   if (!*alive) return;
                   if (!v.ok() || v.missing) return;  // connection trouble: stays pending
                   if (v.type != RedisValue::Type::Status) {
                     skipped_.inc();
                     log_.info("outbound job {} was already started; not running it again", jobId);
                     redis_.command({"XACK", stream_, kGroup, entryId});
                     return;
                   }
                   started_.inc();
                   running_[entryId] = jobId;
                   runner_(job, [this, alive, entryId] {
                     if (*alive) finish(entryId);
                   });
                 });
}

void OutboundQueue::finish(const std::string& entryId) {
  running_.erase(entryId);
  redis_.command({"XACK", stream_, kGroup, entryId});
}

void OutboundQueue::keepClaims() {
  // Resetting the idle time of our running entries keeps other workers from taking them over.
  for (const auto& [entryId, jobId] : running_)
    redis_.command({"XCLAIM", stream_, kGroup, settings_.consumer, "0", entryId, "JUSTID"});
}

}  // namespace parley::agent
