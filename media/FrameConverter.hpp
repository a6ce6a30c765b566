#pragma once
// Conversion between the internal AudioFrame (20 ms, 16 kHz mono) and the rates/layouts found at
// the edges: 8 kHz (G.711), 24/48 kHz (Opus, TTS output), stereo (WebRTC Opus, WAV files).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/AudioFrame.hpp"
#include "media/Resampler.hpp"

namespace parley::media {

/// Any rate/channel layout in → whole AudioFrames out. Push blocks of any size; pop frames.
/// Keeps resampler state, so feed one continuous stream per instance. No heap after construction.
class InboundConverter {
 public:
  /// Samples of 16 kHz audio held between push() and pop(): 500 ms, enough for a TTS chunk or a
  /// 120 ms Opus packet with slack; pushing more than that without popping is a caller bug.
  static constexpr size_t kFifoSamples = kInternalRate / 2;

  /// `rate` in Hz (8000…48000), `channels` 1 or 2 (interleaved). Throws core::Error otherwise.
  InboundConverter(int rate, int channels);
  /// Appends interleaved samples. Returns false (and drops what does not fit) if the FIFO is full.
  bool push(std::span<const int16_t> interleaved) noexcept;
  /// Takes one 20 ms frame if one is complete.
  bool pop(AudioFrame& out) noexcept;
  /// Pads the partial tail with zeros to a whole frame (end of a stream) and pops it.
  bool popPadded(AudioFrame& out) noexcept;
  /// 16 kHz samples waiting (less than one frame after pops).
  size_t pending() const noexcept { return count_; }
  void reset() noexcept;

 private:
  int channels_;
  Resampler resampler_;
  std::array<int16_t, kFifoSamples> fifo_{};
  size_t count_ = 0;
};

/// AudioFrame → 20 ms at `rate` Hz with `channels` interleaved channels.
class OutboundConverter {
 public:
  /// Largest output: 20 ms of 48 kHz stereo.
  static constexpr size_t kMaxOutSamples = 48000 / 50 * 2;
  OutboundConverter(int rate, int channels);
  /// Writes rate/50 × channels samples (fewer only during the resampler's first frame) and
  /// returns the count. `out` must hold kMaxOutSamples.
  size_t convert(const AudioFrame& frame, std::span<int16_t> out) noexcept;
  int rate() const noexcept { return resampler_.outRate(); }
  int channels() const noexcept { return channels_; }

 private:
  int channels_;
  Resampler resampler_;
};

}  // namespace parley::media
