#pragma once
// The fleet's call records stream (issue 10): every call.ended record is appended to the Redis
// stream `<prefix>:calls` (XADD … MAXLEN ~ maxLen) with fields id, tenant, outcome, record (the
// JSON of GET /v1/calls/{id}), for consumers such as a CRM sync or analytics (XREAD / consumer
// groups). Best effort: the local SQLite store stays the record of truth. Fleet loop thread.
#include <string>

#include "agent/fleet/RedisClient.hpp"
#include "agent/records/CallRecorder.hpp"
#include "core/Metrics.hpp"

namespace parley::agent {

class RedisCallStream final : public CallEventListener {
 public:
  /// `redis` is borrowed. Counts parley_redis_call_stream_total{result}.
  RedisCallStream(RedisClient& redis, std::string prefix, size_t maxLen,
                  core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  void onCallEvent(const CallEvent& event) override;

 private:
  RedisClient& redis_;
  std::string key_;
  size_t maxLen_;
  core::Counter& ok_;
  core::Counter& failed_;
};

}  // namespace parley::agent
