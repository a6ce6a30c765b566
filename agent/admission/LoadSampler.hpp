#pragma once
// Feeds AdmissionControl once per interval from the real process: CPU seconds used since the
// previous sample (getrusage, core/ProcessStats) and the event-loop lag — the mean lag over the
// interval of each loop's parley_loop_lag_seconds histogram (core::LoopLagProbe: media loops and
// the control loop), worst loop wins. A mean over ~20 ticks per loop, not one tick, so a single
// late tick on a busy host does not refuse calls. Runs on one libuv loop.
#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <vector>

#include "agent/admission/AdmissionControl.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"

namespace parley::agent {

class LoadSampler {
 public:
  using Histograms = std::function<std::vector<const core::Histogram*>()>;
  /// Starts sampling every `intervalMs` on `loop` (its thread only). `lagHistograms` lists the
  /// loops' lag histograms (seconds); it runs on that thread. `admission` is borrowed.
  LoadSampler(uv_loop_t* loop, AdmissionControl& admission, Histograms lagHistograms,
              uint64_t intervalMs = 1000);
  /// Mean of the observations `h` got since the last call with the same `h`, in ms (0 if none).
  double meanLagMsSinceLast(const core::Histogram& h);

 private:
  void sample();
  AdmissionControl& admission_;
  Histograms lagHistograms_;
  std::map<const core::Histogram*, std::pair<double, uint64_t>> last_;  ///< sum, count
  core::Timer timer_;
  double lastCpuS_;
  std::chrono::steady_clock::time_point lastAt_;
};

}  // namespace parley::agent
