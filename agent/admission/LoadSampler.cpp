#include "agent/admission/LoadSampler.hpp"

#include <algorithm>

#include "core/ProcessStats.hpp"

namespace parley::agent {

LoadSampler::LoadSampler(uv_loop_t* loop, AdmissionControl& admission, Histograms lagHistograms,
                         uint64_t intervalMs)
    : admission_(admission),
      lagHistograms_(std::move(lagHistograms)),
      timer_(loop, [this] { sample(); }),
      lastCpuS_(core::processCpuSeconds()),
      lastAt_(std::chrono::steady_clock::now()) {
  timer_.start(intervalMs, intervalMs);
}

void LoadSampler::sample() {
  double cpu = core::processCpuSeconds();
  auto now = std::chrono::steady_clock::now();
  double wall = std::chrono::duration<double>(now - lastAt_).count();
  double worst = 0;
  if (lagHistograms_)
    for (const core::Histogram* h : lagHistograms_())
      if (h) worst = std::max(worst, meanLagMsSinceLast(*h));
  admission_.update(cpu - lastCpuS_, wall, worst);
  lastCpuS_ = cpu;
  lastAt_ = now;
}

double LoadSampler::meanLagMsSinceLast(const core::Histogram& h) {
  double sum = h.sum();
  uint64_t count = h.count();
  auto [it, fresh] = last_.try_emplace(&h, sum, count);
  double dSum = fresh ? sum : sum - it->second.first;
  uint64_t dCount = fresh ? count : count - it->second.second;
  it->second = {sum, count};
  return dCount > 0 ? dSum / static_cast<double>(dCount) * 1000.0 : 0.0;
}

}  // namespace parley::agent
