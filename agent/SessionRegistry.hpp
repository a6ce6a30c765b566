#pragma once
// Counts the worker's active sessions (calls). Admission, drain and /metrics read it; the call
// legs of later issues register and unregister here. Thread-safe (atomic).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/Metrics.hpp"

namespace parley::agent {

class Session;

/// Sees every session the worker starts (call records, webhooks). onSessionStarted runs on the
/// session's media loop thread, inside Session::start; the watcher typically adds a
/// SessionObserver to the session there.
class SessionWatcher {
 public:
  virtual ~SessionWatcher() = default;
  virtual void onSessionStarted(Session& session) = 0;
};

class SessionRegistry {
 public:
  explicit SessionRegistry(core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  /// A session started / ended. Every started() is matched by exactly one ended().
  void started();
  void ended();
  int64_t active() const { return active_.load(); }
  /// Borrowed; must outlive every session. Add before calls start. Thread-safe.
  void addWatcher(SessionWatcher* watcher);
  void removeWatcher(SessionWatcher* watcher);
  /// Session::start calls this once the session's leg started (just before it returns):
  /// every watcher's onSessionStarted runs, on the calling (media loop) thread.
  void announce(Session& session);

 private:
  std::atomic<int64_t> active_{0};
  std::mutex watchersMutex_;
  std::vector<SessionWatcher*> watchers_;  ///< borrowed
  core::Gauge& gauge_;
  core::Counter& total_;
};

}  // namespace parley::agent
