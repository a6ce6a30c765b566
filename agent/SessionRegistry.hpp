#pragma once
// Counts the worker's active sessions (calls). Admission, drain and /metrics read it; the call
// legs of later issues register and unregister here. Thread-safe (atomic).
#include <atomic>
#include <cstdint>

#include "core/Metrics.hpp"

namespace parley::agent {

class SessionRegistry {
 public:
  explicit SessionRegistry(core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  /// A session started / ended. Every started() is matched by exactly one ended().
  void started();
  void ended();
  int64_t active() const { return active_.load(); }

 private:
  std::atomic<int64_t> active_{0};
  core::Gauge& gauge_;
  core::Counter& total_;
};

}  // namespace parley::agent
