#include "media/AudioFrame.hpp"

#include <algorithm>
#include <cmath>

namespace parley::media {

bool AudioFrame::isZero() const noexcept {
  return std::all_of(samples.begin(), samples.end(), [](int16_t s) { return s == 0; });
}

double AudioFrame::levelDbfs() const noexcept {
  double sum = 0;
  for (int16_t s : samples) sum += double(s) * double(s);
  double meanSquare = sum / double(samples.size());
  if (meanSquare <= 0) return -100.0;
  return std::max(-100.0, 10.0 * std::log10(meanSquare / (32768.0 * 32768.0)));
}

size_t downmixStereo(std::span<const int16_t> stereo, std::span<int16_t> mono) noexcept {
  size_t n = std::min(stereo.size() / 2, mono.size());
  for (size_t i = 0; i < n; ++i)
    mono[i] = static_cast<int16_t>((int32_t{stereo[2 * i]} + int32_t{stereo[2 * i + 1]}) / 2);
  return n;
}

size_t upmixToStereo(std::span<const int16_t> mono, std::span<int16_t> stereo) noexcept {
  size_t n = std::min(mono.size(), stereo.size() / 2);
  for (size_t i = 0; i < n; ++i) stereo[2 * i] = stereo[2 * i + 1] = mono[i];
  return n;
}

void applyGain(std::span<int16_t> samples, float gain) noexcept {
  for (int16_t& s : samples) {
    float v = std::round(float(s) * gain);
    s = static_cast<int16_t>(std::clamp(v, -32768.0f, 32767.0f));
  }
}

}  // namespace parley::media
