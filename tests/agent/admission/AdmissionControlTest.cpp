#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/admission/AdmissionControl.hpp"

using namespace parley;

TEST_CASE("the load figure is the larger of CPU per core and loop lag over its budget") {
  CHECK(agent::loadFigure(1.0, 1.0, 2, 0, 50) == doctest::Approx(0.5));
  CHECK(agent::loadFigure(0.2, 1.0, 1, 40, 50) == doctest::Approx(0.8));
  CHECK(agent::loadFigure(0, 0, 4, 0, 50) == 0);
  CHECK(agent::loadFigure(-1, 1, 1, -5, 50) == 0);
}

TEST_CASE("admission refuses when full - overloaded or draining - and /readyz follows") {
  core::MetricsRegistry metrics;
  agent::SessionRegistry sessions(metrics);
  agent::Readiness readiness;
  agent::AdmissionSettings s;
  s.maxSessions = 2;
  s.loadThreshold = 0.7;
  s.retryAfterS = 7;
  s.cores = 2;
  agent::AdmissionControl a(s, sessions, readiness, metrics);
  CHECK(a.decide().admitted);
  CHECK(readiness.ready());

  sessions.started();
  sessions.started();
  auto full = a.decide();
  CHECK_FALSE(full.admitted);
  CHECK(full.reason == "full");
  CHECK(full.detail.find("2/2") != std::string::npos);
  CHECK(full.retryAfterS == 7);
  a.refreshReadiness();
  CHECK_FALSE(readiness.ready());
  CHECK(readiness.toJson().find("full") != std::string::npos);
  sessions.ended();
  a.refreshReadiness();
  CHECK(readiness.ready());

  a.update(1.8, 1.0, 0);  // 90 % of two cores
  CHECK(a.load() == doctest::Approx(0.9));
  auto hot = a.decide();
  CHECK(hot.reason == "overloaded");
  CHECK_FALSE(readiness.ready());
  a.setRedirector([] { return std::string("http://10.0.0.2:8080"); });
  CHECK(a.decide().redirectBaseUrl == "http://10.0.0.2:8080");
  a.update(0.0, 1.0, 0);  // smoothed: half way down
  CHECK(a.load() == doctest::Approx(0.45));
  CHECK(a.decide().admitted);
  CHECK(readiness.ready());
  a.update(0.0, 1.0, 50);  // a loop 50 ms late = load 1.0
  CHECK(a.load() > 0.7);
  CHECK(metrics.renderPrometheus().find("parley_load ") != std::string::npos);

  a.setDraining();
  auto d = a.decide();
  CHECK(d.reason == "draining");
  CHECK(d.redirectBaseUrl.empty());
}
