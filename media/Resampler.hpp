#pragma once
// Streaming sample-rate conversion on speexdsp's resampler (DESIGN.md §4: no home-made resampler).
// Chosen over soxr for the packet path because with integer ratios it turns every input block
// into exactly in × out/in output samples (fixed delay, no variable-sized output), which keeps
// 20 ms framing exact, and it never allocates after construction.
#include <cstddef>
#include <cstdint>
#include <span>

struct SpeexResamplerState_;

namespace parley::media {

class Resampler {
 public:
  /// speexdsp quality 3 ("VoIP"): ≈ 0.3 ms delay at 16 kHz, cheap; higher costs CPU per frame
  /// for no audible gain on telephone speech.
  static constexpr int kVoipQuality = 3;
  /// Highest rate we accept (Hz): Opus's maximum; anything above is a caller bug.
  static constexpr int kMaxRate = 48000;

  /// `inRate`/`outRate` in Hz (8000…48000), `channels` 1 or 2 (interleaved). Throws
  /// core::Error on unsupported arguments (control path). Equal rates pass samples through.
  Resampler(int inRate, int outRate, int channels = 1, int quality = kVoipQuality);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;
  Resampler(Resampler&& o) noexcept;
  Resampler& operator=(Resampler&& o) noexcept;

  /// Converts interleaved `in` (sample count a multiple of channels), keeping filter state across
  /// calls. Writes at most `out.size()` samples; returns samples written (all channels). Size
  /// `out` with maxOutput(in.size()). Never allocates, never throws.
  size_t process(std::span<const int16_t> in, std::span<int16_t> out) noexcept;
  /// Output samples `inSamples` input samples can produce (rounded up, +channels of slack).
  size_t maxOutput(size_t inSamples) const noexcept;
  /// Clears filter history (e.g. after a discontinuity such as an SSRC change).
  void reset() noexcept;

  int inRate() const noexcept { return inRate_; }
  int outRate() const noexcept { return outRate_; }
  int channels() const noexcept { return channels_; }

 private:
  SpeexResamplerState_* state_ = nullptr;  ///< owned; null when rates are equal (passthrough)
  int inRate_;
  int outRate_;
  int channels_;
};

}  // namespace parley::media
