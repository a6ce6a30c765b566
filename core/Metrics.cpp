#include "core/Metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace parley::core {
namespace {

bool validName(const std::string& n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string escapeLabel(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string renderLabels(const Labels& labels, const std::string& extraKey = {},
                         const std::string& extraValue = {}) {
  if (labels.empty() && extraKey.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escapeLabel(v) + "\"";
  }
  if (!extraKey.empty()) {
    if (!first) out += ',';
    out += extraKey + "=\"" + extraValue + "\"";
  }
  out += '}';
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

void atomicAdd(std::atomic<double>& a, double d) noexcept {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

}  // namespace

void Gauge::add(double d) noexcept { atomicAdd(value_, d); }

Histogram::Histogram(std::vector<double> upperBounds)
    : bounds_(std::move(upperBounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()))
    throw std::invalid_argument("histogram bounds must be ascending");
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) noexcept {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  atomicAdd(sum_, v);
}

uint64_t Histogram::bucketCount(size_t i) const noexcept {
  return i <= bounds_.size() ? buckets_[i].load(std::memory_order_relaxed) : 0;
}

double Histogram::quantile(double q) const noexcept {
  uint64_t total = count();
  if (total == 0) return 0.0;
  double rank = q * static_cast<double>(total);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    uint64_t c = bucketCount(i);
    if (static_cast<double>(cumulative + c) >= rank && c > 0) {
      if (i == bounds_.size()) return bounds_.empty() ? 0.0 : bounds_.back();
      double lo = i == 0 ? 0.0 : bounds_[i - 1];
      double hi = bounds_[i];
      double frac = (rank - static_cast<double>(cumulative)) / static_cast<double>(c);
      return lo + (hi - lo) * std::clamp(frac, 0.0, 1.0);
    }
    cumulative += c;
  }
  return bounds_.empty() ? 0.0 : bounds_.back();
}

std::vector<double> latencyBucketsSeconds() {
  return {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10};
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, const std::string& help,
                                                 Type type) {
  if (!validName(name)) throw std::invalid_argument("invalid metric name: " + name);
  for (auto& f : families_) {
    if (f.name == name) {
      if (f.type != type) throw std::invalid_argument("metric registered with another type: " + name);
      return f;
    }
  }
  families_.push_back(Family{name, help, type, {}});
  return families_.back();
}

MetricsRegistry::Series* MetricsRegistry::find(Family& f, const Labels& labels) {
  for (auto& s : f.series)
    if (s.labels == labels) return &s;
  for (const auto& [k, v] : labels)
    if (!validName(k)) throw std::invalid_argument("invalid label name: " + k);
  f.series.push_back(Series{labels, nullptr, nullptr, nullptr, nullptr});
  return &f.series.back();
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series* s = find(family(name, help, Type::Counter), labels);
  if (!s->counter) s->counter = std::make_unique<Counter>();
  return *s->counter;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series* s = find(family(name, help, Type::Gauge), labels);
  if (!s->gauge && !s->fn) s->gauge = std::make_unique<Gauge>();
  if (!s->gauge) throw std::invalid_argument("gauge is computed: " + name);
  return *s->gauge;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<double> upperBounds, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series* s = find(family(name, help, Type::Histogram), labels);
  if (!s->histogram) s->histogram = std::make_unique<Histogram>(std::move(upperBounds));
  return *s->histogram;
}

void MetricsRegistry::gaugeFn(const std::string& name, const std::string& help,
                              const Labels& labels, std::function<double()> fn) {
  std::lock_guard lock(mutex_);
  Series* s = find(family(name, help, Type::Gauge), labels);
  s->gauge.reset();
  s->fn = std::move(fn);
}

std::string MetricsRegistry::renderPrometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(4096);
  for (const auto& f : families_) {
    if (f.series.empty()) continue;
    out += "# HELP " + f.name + " " + escapeHelp(f.help) + "\n";
    const char* type = f.type == Type::Counter ? "counter"
                       : f.type == Type::Gauge ? "gauge"
                                               : "histogram";
    out += "# TYPE " + f.name + " " + type + "\n";
    for (const auto& s : f.series) {
      switch (f.type) {
        case Type::Counter:
          out += f.name + renderLabels(s.labels) + " " + std::to_string(s.counter->value()) + "\n";
          break;
        case Type::Gauge: {
          double v = s.fn ? s.fn() : s.gauge->value();
          out += f.name + renderLabels(s.labels) + " " + number(v) + "\n";
          break;
        }
        case Type::Histogram: {
          const Histogram& h = *s.histogram;
          uint64_t cumulative = 0;
          for (size_t i = 0; i < h.bounds().size(); ++i) {
            cumulative += h.bucketCount(i);
            out += f.name + "_bucket" + renderLabels(s.labels, "le", number(h.bounds()[i])) + " " +
                   std::to_string(cumulative) + "\n";
          }
          cumulative += h.bucketCount(h.bounds().size());
          out += f.name + "_bucket" + renderLabels(s.labels, "le", "+Inf") + " " +
                 std::to_string(cumulative) + "\n";
          out += f.name + "_sum" + renderLabels(s.labels) + " " + number(h.sum()) + "\n";
          out += f.name + "_count" + renderLabels(s.labels) + " " + std::to_string(cumulative) + "\n";
          break;
        }
      }
    }
  }
  return out;
}

MetricsRegistry& MetricsRegistry::global() {
  static MetricsRegistry registry;
  return registry;
}

}  // namespace parley::core
