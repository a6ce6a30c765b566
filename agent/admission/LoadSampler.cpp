#include "agent/admission/LoadSampler.hpp"

#include "core/ProcessStats.hpp"

namespace parley::agent {

LoadSampler::LoadSampler(uv_loop_t* loop, AdmissionControl& admission,
                         std::function<double()> worstLagMs, uint64_t intervalMs)
    : admission_(admission),
      worstLagMs_(std::move(worstLagMs)),
      timer_(loop, [this] { sample(); }),
      lastCpuS_(core::processCpuSeconds()),
      lastAt_(std::chrono::steady_clock::now()) {
  timer_.start(intervalMs, intervalMs);
}

void LoadSampler::sample() {
  double cpu = core::processCpuSeconds();
  auto now = std::chrono::steady_clock::now();
  double wall = std::chrono::duration<double>(now - lastAt_).count();
  admission_.update(cpu - lastCpuS_, wall, worstLagMs_ ? worstLagMs_() : 0.0);
  lastCpuS_ = cpu;
  lastAt_ = now;
}

}  // namespace parley::agent
