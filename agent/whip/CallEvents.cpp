#include "agent/whip/CallEvents.hpp"

#include <algorithm>

namespace parley::agent {

std::string CallEvents::format(const Event& e) {
  // JSON from nlohmann::json::dump() has no raw newlines, so one data: line suffices.
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + e.json + "\n\n";
}

void CallEvents::push(const std::string& type, const std::string& json) {
  std::lock_guard lock(mutex_);
  if (ended_) return;  // nothing follows the terminal event
  events_.push_back({nextId_++, type, json});
  if (events_.size() > kMaxEvents) events_.pop_front();
  const std::string chunk = format(events_.back());
  // Writers only queue bytes (HttpServer sends them from its loop): cheap under the lock, and
  // the lock keeps every stream's order equal to the log's.
  std::erase_if(subscribers_, [&](const auto& w) { return !w->write(chunk); });
  if (type == "ended") {
    ended_ = true;
    for (auto& w : subscribers_) w->end();
    subscribers_.clear();
  }
}

std::string CallEvents::sseSince(uint64_t afterId, uint64_t& lastId, int retryMs) const {
  std::lock_guard lock(mutex_);
  std::string out = "retry: " + std::to_string(retryMs) + "\n\n";
  lastId = afterId;
  for (const Event& e : events_) {
    if (e.id <= afterId) continue;
    out += format(e);
    lastId = e.id;
  }
  return out;
}

bool CallEvents::subscribe(std::shared_ptr<HttpStreamWriter> writer, uint64_t afterId,
                           int retryMs) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [](const auto& w) { return w->closed(); });
  if (subscribers_.size() >= kMaxSubscribers) {
    writer->end();
    return false;
  }
  std::string backlog = "retry: " + std::to_string(retryMs) + "\n\n";
  for (const Event& e : events_)
    if (e.id > afterId) backlog += format(e);
  if (!writer->write(backlog)) return true;  // the client is already gone
  if (ended_)
    writer->end();
  else
    subscribers_.push_back(std::move(writer));
  return true;
}

bool CallEvents::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

size_t CallEvents::subscribers() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

}  // namespace parley::agent
