#include "agent/fleet/RedisCallStream.hpp"

namespace parley::agent {

RedisCallStream::RedisCallStream(RedisClient& redis, std::string prefix, size_t maxLen,
                                 core::MetricsRegistry& metrics)
    : redis_(redis),
      key_(std::move(prefix) + ":calls"),
      maxLen_(maxLen),
      ok_(metrics.counter("parley_redis_call_stream_total",
                          "Call records added to the Redis stream", {{"result", "ok"}})),
      failed_(metrics.counter("parley_redis_call_stream_total",
                              "Call records added to the Redis stream", {{"result", "error"}})) {}

void RedisCallStream::onCallEvent(const CallEvent& event) {
  if (event.type != "call.ended") return;
  core::Counter* ok = &ok_;
  core::Counter* failed = &failed_;
  redis_.command(
      {"XADD", key_, "MAXLEN", "~", std::to_string(maxLen_), "*", "id", event.callId, "tenant",
       event.tenant, "outcome", event.data.value("outcome", ""), "record", event.data.dump()},
      [ok, failed](const RedisValue& v) { (v.ok() ? ok : failed)->inc(); });
}

}  // namespace parley::agent
