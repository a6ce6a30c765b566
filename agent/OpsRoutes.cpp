#include "agent/OpsRoutes.hpp"

namespace parley::agent {

void addOpsRoutes(Router& router, const Readiness& readiness, const core::MetricsRegistry& metrics,
                  std::function<void()> beforeReadyz) {
  router.add(HttpMethod::Get, "/healthz",
             [](const HttpRequest&) { return HttpResponse::json(200, R"({"status":"ok"})"); });
  router.add(HttpMethod::Get, "/readyz", [&readiness, beforeReadyz](const HttpRequest&) {
    if (beforeReadyz) beforeReadyz();
    HttpResponse r = HttpResponse::json(readiness.ready() ? 200 : 503, readiness.toJson());
    if (r.status == 503) r.headers.emplace_back("Retry-After", "5");
    return r;
  });
  router.add(HttpMethod::Get, "/metrics", [&metrics](const HttpRequest&) {
    return HttpResponse::text(200, metrics.renderPrometheus(), "text/plain; version=0.0.4");
  });
}

}  // namespace parley::agent
