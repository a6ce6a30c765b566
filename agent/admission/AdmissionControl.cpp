#include "agent/admission/AdmissionControl.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace parley::agent {
namespace {
constexpr double kSmoothing = 0.5;  // weight of the newest sample: ~3 s to follow a step at 1 Hz
}

double loadFigure(double cpuSeconds, double wallSeconds, unsigned cores, double lagMs,
                  double lagBudgetMs) {
  double cpu = wallSeconds > 0 ? cpuSeconds / (wallSeconds * std::max(1u, cores)) : 0;
  double lag = lagBudgetMs > 0 ? lagMs / lagBudgetMs : 0;
  return std::max({0.0, cpu, lag});
}

AdmissionControl::AdmissionControl(AdmissionSettings settings, const SessionRegistry& sessions,
                                   Readiness& readiness, core::MetricsRegistry& metrics)
    : settings_(settings),
      sessions_(sessions),
      readiness_(readiness),
      loadGauge_(metrics.gauge("parley_load",
                               "Load figure: max(CPU per core, loop lag / budget), smoothed; new "
                               "calls are refused at admission.load_threshold")),
      cpuGauge_(metrics.gauge("parley_load_cpu", "Process CPU use per core over the last sample")),
      lagGauge_(metrics.gauge("parley_load_lag_seconds",
                              "Worst event-loop lag over the last sample (seconds)")) {
  metrics.gauge("parley_max_sessions", "admission.max_sessions: calls at once on this worker")
      .set(settings_.maxSessions);
  metrics.gauge("parley_load_threshold", "admission.load_threshold").set(settings_.loadThreshold);
  readiness_.set("capacity", true);
}

void AdmissionControl::update(double cpuSeconds, double wallSeconds, double lagMs) {
  double sample =
      loadFigure(cpuSeconds, wallSeconds, settings_.cores, lagMs, settings_.lagBudgetMs);
  double prev = load_.load();
  double next = sampled_.exchange(true) ? prev + kSmoothing * (sample - prev) : sample;
  load_ = next;
  loadGauge_.set(next);
  cpuGauge_.set(wallSeconds > 0 ? cpuSeconds / (wallSeconds * std::max(1u, settings_.cores)) : 0);
  lagGauge_.set(lagMs / 1000.0);
  refreshReadiness();
}

Admission AdmissionControl::decide() const {
  Admission a;
  int64_t active = sessions_.active();
  double load = load_.load();
  if (draining_) {
    a.reason = "draining";
    a.detail = "the worker is draining";
  } else if (active >= settings_.maxSessions) {
    a.reason = "full";
    a.detail =
        fmt::format("{}/{} sessions (admission.max_sessions)", active, settings_.maxSessions);
  } else if (load >= settings_.loadThreshold) {
    a.reason = "overloaded";
    a.detail = fmt::format("load {:.2f} >= {:.2f} (admission.load_threshold)", load,
                           settings_.loadThreshold);
  } else {
    return a;
  }
  a.admitted = false;
  a.retryAfterS = settings_.retryAfterS;
  if (a.reason != "draining") {
    std::lock_guard lock(redirectorMutex_);
    if (redirector_) a.redirectBaseUrl = redirector_();
  }
  return a;
}

void AdmissionControl::refreshReadiness() {
  Admission a = decide();
  if (a.reason == "draining") return;  // Readiness reports draining itself
  readiness_.set("capacity", a.admitted, a.admitted ? std::string() : a.reason + ": " + a.detail);
}

void AdmissionControl::setRedirector(std::function<std::string()> redirector) {
  std::lock_guard lock(redirectorMutex_);
  redirector_ = std::move(redirector);
}

}  // namespace parley::agent
