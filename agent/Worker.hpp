#pragma once
// `parley worker`: the daemon. Owns the control loop (HTTP, signals, drain), the media loop
// threads that sessions are pinned to, readiness and the session registry (DESIGN.md §2).
// Lifecycle: start → ready (one log line with the listen address) → SIGTERM → draining
// (/readyz 503, no new calls, wait for active calls up to drain_timeout_s) → exit 0.
// A second SIGTERM, or SIGINT, stops at once.
#include <memory>

#include "agent/WorkerConfig.hpp"

namespace parley::agent {

class Worker {
 public:
  explicit Worker(WorkerSettings settings);
  ~Worker();
  /// Runs until stopped. Returns the process exit code (0 after a clean stop). Throws
  /// core::SystemError if it cannot start (port in use, data_dir not writable).
  int run();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::agent
