#pragma once
// The operations endpoints every worker serves: /healthz (process alive), /readyz (ready to
// take calls), /metrics (Prometheus text 0.0.4).
#include "agent/Readiness.hpp"
#include "agent/http/Router.hpp"
#include "core/Metrics.hpp"

namespace parley::agent {

/// GET /healthz → 200 {"status":"ok"}; GET /readyz → 200 or 503 with Readiness::toJson();
/// GET /metrics → 200 text/plain; version=0.0.4.
void addOpsRoutes(Router& router, const Readiness& readiness, const core::MetricsRegistry& metrics);

}  // namespace parley::agent
