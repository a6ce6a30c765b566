#include "dialog/local/stt/BandDetector.hpp"

#include <cmath>
#include <numbers>

namespace parley::dialog::local {
namespace {

constexpr size_t kFrame = 320;
constexpr double kRate = 16000;
constexpr double kLowHz[] = {500, 1000, 1500, 2000, 2500, 3000};
constexpr double kHighHz[] = {4500, 5000, 5500, 6000, 6500, 7000};

/// Goertzel power of the windowed frame `x` at `hz` (Goertzel 1958).
double power(const double* x, double hz) {
  const double w = 2.0 * std::numbers::pi * hz / kRate;
  const double c = 2.0 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < kFrame; ++i) {
    double s = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

}  // namespace

void BandDetector::push(std::span<const int16_t> samples) {
  for (int16_t s : samples) {
    frame_[fill_++] = s;
    if (fill_ == kFrame) {
      analyse();
      fill_ = 0;
    }
  }
}

void BandDetector::analyse() {
  double energy = 0;
  for (int16_t s : frame_) energy += static_cast<double>(s) * s;
  lastLoud_ = std::sqrt(energy / kFrame) >= kSpeechFrameRms;
  if (!lastLoud_) return;
  ++speechFrames_;
  // A Hann window: without one, a rectangular frame leaks the strong low band into the high
  // bins at about −30 dB and resampled 8 kHz speech looks wide band.
  double x[kFrame];
  for (size_t i = 0; i < kFrame; ++i)
    x[i] = frame_[i] * (0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) /
                                             static_cast<double>(kFrame - 1)));
  for (double hz : kLowHz) low_ += power(x, hz);
  for (double hz : kHighHz) high_ += power(x, hz);
}

bool BandDetector::narrow() const {
  return speechFrames_ > 0 && ratio() < kNarrowBandRatio;
}

}  // namespace parley::dialog::local
