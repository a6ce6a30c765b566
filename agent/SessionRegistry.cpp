#include "agent/SessionRegistry.hpp"

#include <algorithm>

namespace parley::agent {

SessionRegistry::SessionRegistry(core::MetricsRegistry& metrics)
    : gauge_(metrics.gauge("parley_active_sessions", "Calls in progress on this worker")),
      total_(metrics.counter("parley_sessions_total", "Calls started on this worker")) {
  gauge_.set(0);
}

void SessionRegistry::started() {
  gauge_.set(static_cast<double>(active_.fetch_add(1) + 1));
  total_.inc();
}

void SessionRegistry::addWatcher(SessionWatcher* watcher) {
  std::lock_guard lock(watchersMutex_);
  watchers_.push_back(watcher);
}

void SessionRegistry::removeWatcher(SessionWatcher* watcher) {
  std::lock_guard lock(watchersMutex_);
  watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), watcher), watchers_.end());
}

void SessionRegistry::announce(Session& session) {
  std::vector<SessionWatcher*> copy;
  {
    std::lock_guard lock(watchersMutex_);
    copy = watchers_;
  }
  for (auto* w : copy) w->onSessionStarted(session);
}

void SessionRegistry::ended() { gauge_.set(static_cast<double>(active_.fetch_sub(1) - 1)); }

}  // namespace parley::agent
