#pragma once
// Outbound audio queue of one session: the agent's TTS audio waits here until the pacer takes
// one 20 ms frame per tick. TTS arrives in bursts faster than real time and in chunks of any
// length, so this is a sample ring (16 kHz mono) that hands out whole frames. flush() empties it
// at once: barge-in stops agent audio within one frame (DESIGN.md §6). Single-threaded (the
// session's loop thread); no heap after construction.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "media/AudioFrame.hpp"

namespace parley::media {

class PlayoutBuffer {
 public:
  /// Default capacity: 30 s of 16 kHz audio (960 KB). A TTS service streams a reply faster than
  /// real time; 30 s holds any single reply while bounding memory per call.
  static constexpr size_t kDefaultCapacitySamples = size_t{kInternalRate} * 30;

  explicit PlayoutBuffer(size_t capacitySamples = kDefaultCapacitySamples);

  /// Appends 16 kHz mono samples. Returns the number accepted (fewer when full; the rest is
  /// dropped: agent output is droppable, the caller's audio never is).
  size_t write(std::span<const int16_t> samples) noexcept;
  /// Appends one whole frame; false if it does not fit.
  bool push(const AudioFrame& frame) noexcept;
  /// Takes the next 20 ms. A partial tail is padded with zeros only after markEnd() (so a TTS
  /// chunk boundary inside a frame does not insert a gap). Returns false when nothing is ready.
  bool pop(AudioFrame& out) noexcept;
  /// Declares the end of the current utterance: the last partial frame may be padded and sent.
  void markEnd() noexcept { ended_ = true; }
  /// Drops everything queued. Returns the number of samples dropped (never played).
  size_t flush() noexcept;

  size_t queuedSamples() const noexcept { return count_; }
  int queuedMs() const noexcept { return static_cast<int>(count_ * 1000 / kInternalRate); }
  bool empty() const noexcept { return count_ == 0; }
  /// Samples handed out by pop() since construction (padding excluded): what was actually played.
  uint64_t playedSamples() const noexcept { return played_; }
  size_t capacity() const noexcept { return capacity_; }

 private:
  std::unique_ptr<int16_t[]> ring_;  ///< owned, capacity_ samples
  size_t capacity_;
  size_t head_ = 0;  ///< next sample to read
  size_t count_ = 0;
  bool ended_ = false;
  uint64_t played_ = 0;
};

}  // namespace parley::media
