#pragma once
// The operations endpoints every worker serves: /healthz (process alive), /readyz (ready to
// take calls), /metrics (Prometheus text 0.0.4).
#include <functional>

#include "agent/Readiness.hpp"
#include "agent/http/Router.hpp"
#include "core/Metrics.hpp"

namespace parley::agent {

/// GET /healthz → 200 {"status":"ok"}; GET /readyz → 200 or 503 (+ Retry-After) with
/// Readiness::toJson(); GET /metrics → 200 text/plain; version=0.0.4. `beforeReadyz` (optional)
/// runs first on each /readyz so components can refresh (admission capacity).
void addOpsRoutes(Router& router, const Readiness& readiness, const core::MetricsRegistry& metrics,
                  std::function<void()> beforeReadyz = {});

}  // namespace parley::agent
