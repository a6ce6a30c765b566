#pragma once
// Admission (issue 10 "Admission and load"): a worker takes a new call only while it is not
// draining, has fewer than `admission.max_sessions` calls, and its load figure is below
// `admission.load_threshold` (default 0.7) — refusing before call quality drops.
//
// The load figure is the larger of
//   cpu: process CPU seconds per wall second per core (getrusage; 1.0 = every core busy), and
//   lag: the mean event-loop lag over the last sample (worst of the media loops and the control
//        loop, from their parley_loop_lag_seconds histograms) divided by
//        `admission.lag_budget_ms` (default 50 ms: at 1.0 a 20 ms frame is 2.5 frames late),
// smoothed with an exponential moving average (half of each new sample) so one slow tick does
// not flap admission. Refusals: WHIP 503 (or 307 to a less-loaded worker in a fleet), SIP 503,
// both with Retry-After; /readyz 503 with the reason; /metrics exports parley_load and friends.
#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "agent/Readiness.hpp"
#include "agent/SessionRegistry.hpp"
#include "core/Metrics.hpp"

namespace parley::agent {

/// The answer to "may a new call start here now?".
struct Admission {
  bool admitted = true;
  std::string reason;   ///< "" when admitted; else "draining", "full" or "overloaded"
  std::string detail;   ///< for logs and error bodies: "50/50 sessions", "load 0.82 >= 0.70"
  int retryAfterS = 0;  ///< Retry-After seconds for a refusal
  /// A less-loaded live worker's base URL ("http://10.0.0.2:8080") from the fleet registry, for
  /// WHIP 307; "" if none is known (single worker, or every worker busy).
  std::string redirectBaseUrl;
};

/// Pure load formula: max(cpuSeconds / (wallSeconds × cores), lagMs / lagBudgetMs), ≥ 0.
double loadFigure(double cpuSeconds, double wallSeconds, unsigned cores, double lagMs,
                  double lagBudgetMs);

struct AdmissionSettings {
  int maxSessions = 100;       ///< calls at once on this worker (every leg)
  double loadThreshold = 0.7;  ///< refuse at or above this load
  int retryAfterS = 5;
  double lagBudgetMs = 50;
  unsigned cores = 1;  ///< CPU cores the load is relative to
};

class AdmissionControl {
 public:
  /// `sessions` and `readiness` are borrowed. Registers gauges parley_load, parley_load_cpu,
  /// parley_load_lag_seconds, parley_max_sessions in `metrics`.
  AdmissionControl(AdmissionSettings settings, const SessionRegistry& sessions,
                   Readiness& readiness,
                   core::MetricsRegistry& metrics = core::MetricsRegistry::global());

  /// One measurement over `wallSeconds`: the process used `cpuSeconds` and the worst loop lag
  /// was `lagMs`. Updates the smoothed load, the gauges and the "capacity" readiness component.
  /// Any thread (the worker calls it from the control loop once a second).
  void update(double cpuSeconds, double wallSeconds, double lagMs);
  /// The worker began draining: every decision is "draining" from now on.
  void setDraining() { draining_ = true; }
  /// Thread-safe decision for a new call. Admitted calls still count only once they start
  /// (SessionRegistry), so a burst may overshoot max_sessions by the calls being set up.
  Admission decide() const;
  /// Refreshes the "capacity" readiness component from the current sessions and load (the
  /// /readyz handler calls it so the answer is never a second old).
  void refreshReadiness();
  double load() const { return load_.load(); }
  const AdmissionSettings& settings() const { return settings_; }
  /// Where a refused WHIP call may go instead; called on refusal (any thread). Set by the fleet
  /// registry once Redis is up; must be thread-safe.
  void setRedirector(std::function<std::string()> redirector);

 private:
  AdmissionSettings settings_;
  const SessionRegistry& sessions_;
  Readiness& readiness_;
  std::atomic<double> load_{0};
  std::atomic<bool> draining_{false};
  std::atomic<bool> sampled_{false};
  core::Gauge& loadGauge_;
  core::Gauge& cpuGauge_;
  core::Gauge& lagGauge_;
  mutable std::mutex redirectorMutex_;
  std::function<std::string()> redirector_;
};

}  // namespace parley::agent
