#include "core/ProcessStats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/Metrics.hpp"

namespace parley::core {

double processCpuSeconds() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0.0;
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

uint64_t processResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t processOpenFds() {
  std::error_code ec;
  uint64_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

void registerProcessMetrics() {
  auto& m = MetricsRegistry::global();
  m.gaugeFn("process_cpu_seconds_total", "Total user and system CPU time spent in seconds", {},
            [] { return processCpuSeconds(); });
  m.gaugeFn("process_resident_memory_bytes", "Resident memory size in bytes", {},
            [] { return static_cast<double>(processResidentBytes()); });
  m.gaugeFn("process_open_fds", "Number of open file descriptors", {},
            [] { return static_cast<double>(processOpenFds()); });
}

}  // namespace parley::core
