#include "agent/fleet/WorkerRegistry.hpp"

#include <algorithm>
#include <memory>

namespace parley::agent {

nlohmann::json WorkerInfo::toJson() const {
  return {{"id", id},
          {"url", url},
          {"load", load},
          {"sessions", sessions},
          {"max_sessions", maxSessions},
          {"accepting", accepting},
          {"version", version},
          {"at_ms", atMs}};
}

std::optional<WorkerInfo> WorkerInfo::fromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    WorkerInfo w;
    w.id = j.at("id").get<std::string>();
    w.url = j.at("url").get<std::string>();
    w.load = j.at("load").get<double>();
    w.sessions = j.at("sessions").get<int64_t>();
    w.maxSessions = j.at("max_sessions").get<int64_t>();
    w.accepting = j.at("accepting").get<bool>();
    w.version = j.value("version", "");
    w.atMs = j.value("at_ms", int64_t{0});
    return w;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

WorkerRegistry::WorkerRegistry(uv_loop_t* loop, RedisClient& redis, std::string prefix,
                               std::function<WorkerInfo()> self, uint64_t heartbeatMs,
                               uint64_t ttlMs)
    : loop_(loop),
      redis_(redis),
      prefix_(std::move(prefix)),
      self_(std::move(self)),
      ttlMs_(ttlMs),
      timer_(loop, [this] { beat(); }) {
  timer_.start(0, heartbeatMs);
}

WorkerRegistry::~WorkerRegistry() {
  timer_.stop();
  if (!selfId_.empty()) {
    redis_.command({"DEL", prefix_ + ":worker:" + selfId_});
    redis_.command({"SREM", prefix_ + ":workers", selfId_});
  }
}

void WorkerRegistry::beat() {
  WorkerInfo me = self_();
  {
    std::lock_guard lock(mutex_);
    selfId_ = me.id;
  }
  redis_.command(
      {"SET", prefix_ + ":worker:" + me.id, me.toJson().dump(), "PX", std::to_string(ttlMs_)});
  redis_.command({"SADD", prefix_ + ":workers", me.id});
  refresh();
}

void WorkerRegistry::refresh() {
  redis_.command({"SMEMBERS", prefix_ + ":workers"}, [this](const RedisValue& ids) {
    if (!ids.ok() || ids.type != RedisValue::Type::Array) return;
    std::vector<std::string> argv{"MGET"};
    auto names = std::make_shared<std::vector<std::string>>();
    for (const auto& e : ids.elements) {
      names->push_back(e.str);
      argv.push_back(prefix_ + ":worker:" + e.str);
    }
    if (names->empty()) return;
    redis_.command(std::move(argv), [this, names](const RedisValue& vals) {
      if (!vals.ok() || vals.type != RedisValue::Type::Array) return;
      std::vector<WorkerInfo> live;
      for (size_t i = 0; i < vals.elements.size() && i < names->size(); ++i) {
        const RedisValue& v = vals.elements[i];
        if (v.type == RedisValue::Type::Nil) {  // TTL passed: that worker is gone
          redis_.command({"SREM", prefix_ + ":workers", (*names)[i]});
          continue;
        }
        if (auto w = WorkerInfo::fromJson(v.str)) live.push_back(std::move(*w));
      }
      std::lock_guard lock(mutex_);
      live_ = std::move(live);
    });
  });
}

std::vector<WorkerInfo> WorkerRegistry::live() const {
  std::lock_guard lock(mutex_);
  return live_;
}

std::string WorkerRegistry::pickRedirect() const {
  std::lock_guard lock(mutex_);
  const WorkerInfo* best = nullptr;
  auto fill = [](const WorkerInfo& w) {
    return w.maxSessions > 0 ? static_cast<double>(w.sessions) / static_cast<double>(w.maxSessions)
                             : 1.0;
  };
  for (const auto& w : live_) {
    if (w.id == selfId_ || !w.accepting || w.sessions >= w.maxSessions || w.url.empty()) continue;
    if (!best || fill(w) < fill(*best) || (fill(w) == fill(*best) && w.load < best->load))
      best = &w;
  }
  return best ? best->url : std::string();
}

}  // namespace parley::agent
