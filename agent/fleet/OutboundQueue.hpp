#pragma once
// The fleet's outbound call queue on Redis Streams (issue 10, DESIGN.md §8). Jobs are entries of
// the stream `<prefix>:outbound` (field `job`: JSON with a unique "job_id"), read by the consumer
// group `workers`, so each entry goes to one worker:
//   - a worker reads (XREADGROUP … COUNT 1 … >) only while `hasRoom()` says it can take a call;
//   - before running a job it takes `<prefix>:job:<job_id>` with SET NX: a job id that was ever
//     started is never started again, whoever reads it;
//   - while a job runs its entry is re-claimed by its worker every claim interval (XCLAIM, idle
//     reset), and XACKed when the call is finished;
//   - entries idle longer than `claimIdleMs` — their worker died — are taken over with
//     XAUTOCLAIM by a live worker, which runs them unless they had already started.
// Fleet loop thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/fleet/RedisClient.hpp"
#include "core/Log.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"

namespace parley::agent {

struct OutboundQueueSettings {
  std::string prefix = "parley";
  std::string consumer;          ///< this worker's id
  uint64_t pollMs = 500;         ///< how often to look for work while there is room
  uint64_t claimIdleMs = 30000;  ///< an entry idle this long belongs to a dead worker
  uint64_t jobKeyTtlMs = 7LL * 24 * 3600 * 1000;  ///< how long "started" job ids are remembered
};

class OutboundQueue {
 public:
  /// Called with a job to run and a `done` to call (once, on this thread) when its call ended.
  using Runner = std::function<void(const nlohmann::json& job, std::function<void()> done)>;
  /// Optional pacing check before a job is taken: answers (on this thread) 0 to run it now, or
  /// how many ms it must wait — the job is then put back at the end of the stream (new entry,
  /// same job id) and the old entry acknowledged.
  using Gate = std::function<void(const nlohmann::json& job, std::function<void(int64_t)> answer)>;

  /// Creates the consumer group if needed (MKSTREAM) and starts polling. `redis` borrowed.
  OutboundQueue(uv_loop_t* loop, RedisClient& redis, OutboundQueueSettings settings,
                std::function<bool()> hasRoom, Runner runner,
                core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  ~OutboundQueue();

  /// Adds a job (XADD). `job` must hold a string "job_id"; `cb` gets the stream entry id or "".
  void enqueue(const nlohmann::json& job, std::function<void(const std::string&)> cb = {});
  /// Sets the pacing gate (before jobs flow).
  void setGate(Gate gate) { gate_ = std::move(gate); }
  /// Jobs this worker is running now.
  size_t running() const { return running_.size(); }

 private:
  void tick();
  void handle(const std::string& entryId, const std::string& jobText);
  void take(const std::string& entryId, const nlohmann::json& job);
  void finish(const std::string& entryId);
  void keepClaims();

  uv_loop_t* loop_;
  RedisClient& redis_;
  OutboundQueueSettings settings_;
  std::function<bool()> hasRoom_;
  Runner runner_;
  Gate gate_;
  std::string stream_;
  core::Timer timer_;
  bool groupReady_ = false;
  bool reading_ = false;                        ///< a read is in flight: one at a time
  std::map<std::string, std::string> running_;  ///< entry id → job id
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  ///< guards late replies
  int64_t lastClaimNs_ = 0;
  core::Counter& started_;
  core::Counter& skipped_;
  core::Counter& deferred_;
  core::Counter& reclaimed_;
  core::Logger log_{"outbound"};
};

}  // namespace parley::agent
