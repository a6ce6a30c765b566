#include <doctest/doctest.h>

#include <sstream>
#include <thread>
#include <vector>

#include "core/Metrics.hpp"

using namespace parley::core;

TEST_CASE("counters and gauges render in Prometheus text format") {
  MetricsRegistry r;
  r.counter("parley_test_total", "A test counter", {{"leg", "sip"}}).inc(3);
  r.gauge("parley_test_gauge", "A \"gauge\"\nwith newline").set(2.5);
  std::string text = r.renderPrometheus();
  CHECK(text.find("# TYPE parley_test_total counter") != std::string::npos);
  CHECK(text.find("parley_test_total{leg=\"sip\"} 3") != std::string::npos);
  CHECK(text.find("parley_test_gauge 2.5") != std::string::npos);
  CHECK(text.find("# HELP parley_test_gauge A \"gauge\"\\nwith newline") != std::string::npos);
}

TEST_CASE("same name and labels return the same series and another type throws") {
  MetricsRegistry r;
  Counter& a = r.counter("x_total", "x");
  Counter& b = r.counter("x_total", "x");
  CHECK(&a == &b);
  CHECK_THROWS_AS(r.gauge("x_total", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("bad name", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok", "x", {{"bad-label", "v"}}), std::invalid_argument);
}

TEST_CASE("histogram buckets are cumulative with +Inf, sum and count") {
  MetricsRegistry r;
  Histogram& h = r.histogram("lat_seconds", "latency", {0.01, 0.1, 1});
  h.observe(0.005);
  h.observe(0.05);
  h.observe(0.05);
  h.observe(5);
  std::string text = r.renderPrometheus();
  CHECK(text.find("lat_seconds_bucket{le=\"0.01\"} 1") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"0.1\"} 3") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"1\"} 3") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"+Inf\"} 4") != std::string::npos);
  CHECK(text.find("lat_seconds_count 4") != std::string::npos);
  CHECK(h.sum() == doctest::Approx(5.105));
  CHECK(h.quantile(0.5) > 0.01);
  CHECK(h.quantile(0.5) <= 0.1);
}

TEST_CASE("counter increments from many threads are not lost") {
  MetricsRegistry r;
  Counter& c = r.counter("n_total", "n");
  Histogram& h = r.histogram("h", "h", {1, 2});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(1.5);
      }
    });
  for (auto& t : threads) t.join();
  CHECK(c.value() == 40000);
  CHECK(h.count() == 40000);
  CHECK(h.sum() == doctest::Approx(60000));
}

TEST_CASE("computed gauges are evaluated at render time") {
  MetricsRegistry r;
  double v = 1;
  r.gaugeFn("computed", "c", {}, [&] { return v; });
  v = 42;
  CHECK(r.renderPrometheus().find("computed 42") != std::string::npos);
}
