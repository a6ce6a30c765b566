#include "agent/whip/CallEvents.hpp"

namespace parley::agent {

void CallEvents::push(const std::string& type, const std::string& json) {
  std::lock_guard lock(mutex_);
  events_.push_back({nextId_++, type, json});
  if (events_.size() > kMaxEvents) events_.pop_front();
  if (type == "ended") ended_ = true;
}

std::string CallEvents::sseSince(uint64_t afterId, uint64_t& lastId, int retryMs) const {
  std::lock_guard lock(mutex_);
  std::string out = "retry: " + std::to_string(retryMs) + "\n\n";
  lastId = afterId;
  for (const Event& e : events_) {
    if (e.id <= afterId) continue;
    // JSON from nlohmann::json::dump() has no raw newlines, so one data: line suffices.
    out += "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + e.json + "\n\n";
    lastId = e.id;
  }
  return out;
}

bool CallEvents::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

}  // namespace parley::agent
