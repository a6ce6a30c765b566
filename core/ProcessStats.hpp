#pragma once
// Figures about this process for /metrics, read from /proc (Linux).
#include <cstdint>

namespace parley::core {

/// User + system CPU seconds used by the whole process (getrusage).
double processCpuSeconds();
/// Resident set size in bytes (/proc/self/statm × page size); 0 if unreadable.
uint64_t processResidentBytes();
/// Number of open file descriptors (entries in /proc/self/fd); 0 if unreadable.
uint64_t processOpenFds();
/// Registers the three as computed gauges in `MetricsRegistry::global()`
/// (process_cpu_seconds_total is exported as a gauge-typed counter by convention of the client
/// libraries: value read at scrape time).
void registerProcessMetrics();

}  // namespace parley::core
