#pragma once
// Active speech level by ITU-T P.56 (12/2011) method B, as implemented by the speech voltmeter
// in ITU-T G.191's STL (sv56). Used offline (bench-vad labels and SNR mixing, level checks of
// test audio), not on the packet path: it allocates nothing but walks the whole signal.
#include <span>

namespace parley::media::vad {

struct SpeechLevel {
  double activeLevelDbov = -100;  ///< ASL, dB re. the RMS of a full-scale (±32768) square wave
  double activityFactor = 0;      ///< fraction of samples P.56 counts active (with hangover)
  double thresholdDbov = -100;    ///< activity threshold: ASL − kMarginDb
};

/// P.56 method B constants: envelope time constant (s), hangover (s), margin (dB).
inline constexpr double kP56TimeConstantS = 0.03;
inline constexpr double kP56HangoverS = 0.2;
inline constexpr double kP56MarginDb = 15.9;

/// Measures `samples` (mono, s16 scale as float, any rate ≥ 1 Hz). Per sample: a two-stage
/// 30 ms envelope of |x| against thresholds 2^j (j = 0…14), each with a 200 ms hangover; the
/// ASL is where active power over threshold equals the 15.9 dB margin, interpolated between
/// the two thresholds that bracket it. All-zero input returns the defaults (−100 dBov, 0).
SpeechLevel measureActiveSpeechLevel(std::span<const float> samples, int sampleRate) noexcept;

}  // namespace parley::media::vad
