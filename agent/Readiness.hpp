#pragma once
// What /readyz reports: each configured component says whether it is ready. Thread-safe
// (components live on different threads: HTTP on the control loop, STT pools, Redis …).
#include <map>
#include <mutex>
#include <string>

namespace parley::agent {

class Readiness {
 public:
  /// Declares or updates a component. `detail` says why it is not ready ("connecting to redis").
  void set(const std::string& component, bool ready, std::string detail = {});
  /// Marks the worker as draining: /readyz is 503 from now on, whatever the components say.
  void setDraining();
  bool draining() const;
  /// True if not draining and every component is ready.
  bool ready() const;
  /// JSON: {"status":"ready"|"not_ready"|"draining","components":{"http":{"ready":true}, …}}.
  std::string toJson() const;

 private:
  struct State {
    bool ready = false;
    std::string detail;
  };
  mutable std::mutex mutex_;
  std::map<std::string, State> components_;
  bool draining_ = false;
};

}  // namespace parley::agent
