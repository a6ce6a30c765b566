#pragma once
// The fleet's worker registry in Redis (issue 10, DESIGN.md §8). Every `heartbeatMs` each worker
// writes `<prefix>:worker:<id>` = JSON {id, url, load, sessions, max_sessions, accepting,
// version, at_ms} with a TTL (`ttlMs`, so a dead worker vanishes by itself) and adds its id to
// the set `<prefix>:workers`; then it reads every live entry back (SMEMBERS + MGET), dropping ids
// whose key expired (SREM). The snapshot answers "which live worker is least loaded?" for WHIP
// 307 redirects. Runs on the fleet loop; live() and pickRedirect() are thread-safe.
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/fleet/RedisClient.hpp"
#include "core/Timer.hpp"

namespace parley::agent {

struct WorkerInfo {
  std::string id;
  std::string url;  ///< base URL other workers redirect to, e.g. "http://10.0.0.2:8080"
  double load = 0;
  int64_t sessions = 0;
  int64_t maxSessions = 0;
  bool accepting = true;
  std::string version;
  int64_t atMs = 0;
  nlohmann::json toJson() const;
  static std::optional<WorkerInfo> fromJson(const std::string& text);
};

class WorkerRegistry {
 public:
  /// `self` is called on the fleet loop for each heartbeat. `redis` is borrowed.
  WorkerRegistry(uv_loop_t* loop, RedisClient& redis, std::string prefix,
                 std::function<WorkerInfo()> self, uint64_t heartbeatMs, uint64_t ttlMs);
  /// Stops heartbeating and queues the removal of this worker's entry (best effort: if the
  /// connection closes first, the entry expires after ttlMs anyway).
  ~WorkerRegistry();

  /// Writes the heartbeat and refreshes the snapshot now (also done by the timer).
  void beat();
  /// Live workers from the last refresh, this one included. Thread-safe.
  std::vector<WorkerInfo> live() const;
  /// The base URL of the least-loaded other live worker that accepts calls (fewest sessions
  /// relative to its max, then lowest load), or "" if none. Thread-safe.
  std::string pickRedirect() const;

 private:
  void refresh();
  uv_loop_t* loop_;
  RedisClient& redis_;
  std::string prefix_;
  std::function<WorkerInfo()> self_;
  uint64_t ttlMs_;
  std::string selfId_;
  core::Timer timer_;
  mutable std::mutex mutex_;
  std::vector<WorkerInfo> live_;
};

}  // namespace parley::agent
