#pragma once
// Metrics registry: counters, gauges and fixed-bucket histograms, exported in the Prometheus
// text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
// Registration takes a lock (control path, once per metric); updates are lock-free relaxed
// atomics so the packet path can count freely. Returned references stay valid for the registry's
// lifetime.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace parley::core {

/// Label pairs, e.g. {{"loop","0"}}. Order is kept as given.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// Monotonically increasing count (events, bytes). Lock-free.
class Counter {
 public:
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down (active sessions, current jitter-buffer delay). Lock-free.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept;
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Fixed-bucket histogram (upper bounds, ascending; +Inf implied). observe() is lock-free:
/// a linear scan over ≤ ~20 bounds plus three relaxed atomic adds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upperBounds);
  void observe(double v) noexcept;
  const std::vector<double>& bounds() const noexcept { return bounds_; }
  /// Non-cumulative count of bucket i (i == bounds().size() is the +Inf bucket).
  uint64_t bucketCount(size_t i) const noexcept;
  uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }
  /// Estimated quantile q in [0,1] by linear interpolation inside the bucket (as PromQL's
  /// histogram_quantile does). Returns 0 with no observations.
  double quantile(double q) const noexcept;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

/// Bucket bounds for latencies in seconds: 0.5 ms … 10 s.
std::vector<double> latencyBucketsSeconds();

/// Owns every metric. One process-wide instance (`global()`) is what /metrics exports; tests may
/// build their own.
class MetricsRegistry {
 public:
  /// Returns the metric with this name and labels, creating it on first use. Throws
  /// std::invalid_argument if the name is not a valid Prometheus name or is already registered
  /// with another type.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> upperBounds, const Labels& labels = {});
  /// A gauge computed when scraped (process CPU, RSS). `fn` runs on the scraping thread.
  void gaugeFn(const std::string& name, const std::string& help, const Labels& labels,
               std::function<double()> fn);

  /// Prometheus text format 0.0.4: "# HELP", "# TYPE", then `name{labels} value` lines.
  std::string renderPrometheus() const;

  static MetricsRegistry& global();

 private:
  enum class Type { Counter, Gauge, Histogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> fn;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::deque<Series> series;
  };
  Family& family(const std::string& name, const std::string& help, Type type);
  Series* find(Family& f, const Labels& labels);

  mutable std::mutex mutex_;
  std::deque<Family> families_;
};

}  // namespace parley::core
