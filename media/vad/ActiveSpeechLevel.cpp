#include "media/vad/ActiveSpeechLevel.hpp"

#include <array>
#include <cmath>

namespace parley::media::vad {

namespace {
/// Thresholds 2^0 … 2^14 span the whole s16 range (G.191 uses 15 for 16-bit data).
constexpr int kThresholds = 15;
/// 0 dBov: a full-scale square wave, RMS 32768.
const double kFullScaleDb = 20 * std::log10(32768.0);
}  // namespace

SpeechLevel measureActiveSpeechLevel(std::span<const float> samples, int sampleRate) noexcept {
  SpeechLevel out;
  if (samples.empty() || sampleRate <= 0) return out;
  const double g = std::exp(-1.0 / (sampleRate * kP56TimeConstantS));
  const long hangSamples = static_cast<long>(kP56HangoverS * sampleRate);
  std::array<long, kThresholds> active{};
  std::array<long, kThresholds> hang{};
  hang.fill(hangSamples);  // no hangover credit before the first active sample
  double p = 0, q = 0, sq = 0;
  for (float v : samples) {
    sq += double(v) * v;
    p = g * p + (1 - g) * std::fabs(v);
    q = g * q + (1 - g) * p;
    for (int j = 0; j < kThresholds; ++j) {
      if (q >= std::ldexp(1.0, j)) {
        ++active[j];
        hang[j] = 0;
      } else if (hang[j] < hangSamples) {
        ++active[j];
        ++hang[j];
      }
    }
  }
  if (sq <= 0) return out;
  const double n = double(samples.size());
  double prevA = 0, prevDelta = 0, prevActive = 0;
  for (int j = 0; j < kThresholds; ++j) {
    if (active[j] == 0) break;
    const double a = 10 * std::log10(sq / double(active[j]));
    const double delta = a - 20 * std::log10(std::ldexp(1.0, j));
    if (delta <= kP56MarginDb) {
      const double t = j == 0 ? 0 : (prevDelta - kP56MarginDb) / (prevDelta - delta);
      const double asl = j == 0 ? a : prevA + t * (a - prevA);
      const double act =
          j == 0 ? double(active[j]) : prevActive + t * (double(active[j]) - prevActive);
      out.activeLevelDbov = asl - kFullScaleDb;
      out.activityFactor = act / n;
      out.thresholdDbov = out.activeLevelDbov - kP56MarginDb;
      return out;
    }
    prevA = a;
    prevDelta = delta;
    prevActive = double(active[j]);
  }
  // Never reached the margin (signal near full scale): the last active threshold's level.
  out.activeLevelDbov = prevA - kFullScaleDb;
  out.activityFactor = prevActive / n;
  out.thresholdDbov = out.activeLevelDbov - kP56MarginDb;
  return out;
}

}  // namespace parley::media::vad
