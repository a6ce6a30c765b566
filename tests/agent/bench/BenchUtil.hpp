#pragma once
// Small helpers shared by the bench-calls load client and worker processes: the clock both
// processes stamp events with, thread CPU time, and nearest-rank quantiles.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

namespace parley::bench {

/// CLOCK_MONOTONIC in ns (std::chrono::steady_clock, as core::SystemClock::monoNs): the same
/// clock in every process on this machine, so events can be matched across them.
inline int64_t monoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// CPU seconds used by the calling thread.
inline double threadCpuS() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Nearest-rank quantile q ∈ [0, 1] of an ascending `sorted`; -1 when empty.
inline double quantileSorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return -1;
  auto i = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, i == 0 ? 0 : i - 1)];
}

/// Rounded to 0.01 (JSON output).
inline double round2(double x) {
  return std::round(x * 100) / 100;
}

}  // namespace parley::bench
