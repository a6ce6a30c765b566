#pragma once
// Outbound audio queue of one session: the agent's TTS audio waits here until the pacer takes
// one 20 ms frame per tick. TTS arrives in bursts faster than real time and in chunks of any
// length, so this is a sample ring that hands out whole frames. flush() empties it at once:
// barge-in stops agent audio within one frame (DESIGN.md §6). Single-threaded (the session's
// loop thread); no heap after construction.
//
// Two shapes share one ring (PlayoutRing): PlayoutBuffer holds 16 kHz s16 PCM and hands out
// AudioFrames (320 samples); UlawPlayoutBuffer holds 8 kHz G.711 µ-law bytes, already in their
// wire form, and hands out 160-byte RTP payloads (OutboundAudioFormat::Ulaw8k).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "media/AudioFrame.hpp"

namespace parley::media {

/// A bounded ring of `Sample`s handed out in frames of frameSamples(). Instantiated for int16_t
/// (PCM) and uint8_t (µ-law) in PlayoutBuffer.cpp.
template <typename Sample>
class PlayoutRing {
 public:
  /// `capacitySamples` (at least one frame) bounds memory; `frameSamples` is one 20 ms frame at
  /// `sampleRate` Hz; `silence` pads a partial last frame after markEnd().
  PlayoutRing(size_t capacitySamples, size_t frameSamples, int sampleRate, Sample silence);

  /// Appends samples. Returns the number accepted (fewer when full; the rest is dropped: agent
  /// output is droppable, the caller's audio never is).
  size_t write(std::span<const Sample> samples) noexcept;
  /// Takes the next frame into `out` (exactly frameSamples() long, else false). A partial tail
  /// is padded with `silence` only after markEnd() (so a TTS chunk boundary inside a frame does
  /// not insert a gap). Returns false when nothing is ready.
  bool popFrame(std::span<Sample> out) noexcept;
  /// Declares the end of the current utterance: the last partial frame may be padded and sent.
  void markEnd() noexcept { ended_ = true; }
  /// Drops everything queued. Returns the number of samples dropped (never played).
  size_t flush() noexcept;

  size_t queuedSamples() const noexcept { return count_; }
  int queuedMs() const noexcept { return static_cast<int>(count_ * 1000 / sampleRate_); }
  bool empty() const noexcept { return count_ == 0; }
  /// Samples handed out by popFrame() since construction (padding excluded): what was played.
  uint64_t playedSamples() const noexcept { return played_; }
  size_t capacity() const noexcept { return capacity_; }
  size_t frameSamples() const noexcept { return frame_; }

 private:
  std::unique_ptr<Sample[]> ring_;  ///< owned, capacity_ samples
  size_t capacity_;
  size_t frame_;
  size_t sampleRate_;
  Sample silence_;
  size_t head_ = 0;  ///< next sample to read
  size_t count_ = 0;
  bool ended_ = false;
  uint64_t played_ = 0;
};

extern template class PlayoutRing<int16_t>;
extern template class PlayoutRing<uint8_t>;

/// The agent's 16 kHz mono s16 audio, handed out as 20 ms AudioFrames.
class PlayoutBuffer : public PlayoutRing<int16_t> {
 public:
  /// Default capacity: 30 s of 16 kHz audio (960 KB). A TTS service streams a reply faster than
  /// real time; 30 s holds any single reply while bounding memory per call.
  static constexpr size_t kDefaultCapacitySamples = size_t{kInternalRate} * 30;

  explicit PlayoutBuffer(size_t capacitySamples = kDefaultCapacitySamples)
      : PlayoutRing(capacitySamples, kFrameSamples, kInternalRate, 0) {}

  /// Appends one whole frame; false if it does not fit.
  bool push(const AudioFrame& frame) noexcept;
  /// Takes the next 20 ms (see PlayoutRing::popFrame). Returns false when nothing is ready.
  bool pop(AudioFrame& out) noexcept { return popFrame(out.span()); }
};

/// The agent's audio as 8 kHz G.711 µ-law bytes, handed out as 160-byte (20 ms) RTP payloads
/// that are sent unchanged. Counts are in µ-law bytes (= 8 kHz samples).
class UlawPlayoutBuffer : public PlayoutRing<uint8_t> {
 public:
  /// Default capacity: 30 s at 8 kHz (240 KB), the same bound in time as PlayoutBuffer.
  static constexpr size_t kDefaultCapacityBytes = size_t{kUlawRate} * 30;
  using Frame = std::span<uint8_t, kUlawFrameBytes>;

  explicit UlawPlayoutBuffer(size_t capacityBytes = kDefaultCapacityBytes)
      : PlayoutRing(capacityBytes, kUlawFrameBytes, kUlawRate, kUlawSilence) {}

  /// Takes the next 20 ms payload; a partial last one is padded with µ-law silence after
  /// markEnd(). Returns false when nothing is ready.
  bool pop(Frame out) noexcept { return popFrame(out); }
};

}  // namespace parley::media
