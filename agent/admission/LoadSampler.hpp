#pragma once
// Feeds AdmissionControl once per interval from the real process: CPU seconds used since the
// previous sample (getrusage, core/ProcessStats) and the worst current event-loop lag
// (core::LoopLagProbe of each media loop and the control loop). Runs on one libuv loop.
#include <uv.h>

#include <chrono>
#include <functional>

#include "agent/admission/AdmissionControl.hpp"
#include "core/Timer.hpp"

namespace parley::agent {

class LoadSampler {
 public:
  /// Starts sampling every `intervalMs` on `loop` (its thread only). `worstLagMs` returns the
  /// largest current loop lag in ms; it runs on that thread. `admission` is borrowed.
  LoadSampler(uv_loop_t* loop, AdmissionControl& admission, std::function<double()> worstLagMs,
              uint64_t intervalMs = 1000);

 private:
  void sample();
  AdmissionControl& admission_;
  std::function<double()> worstLagMs_;
  core::Timer timer_;
  double lastCpuS_;
  std::chrono::steady_clock::time_point lastAt_;
};

}  // namespace parley::agent
