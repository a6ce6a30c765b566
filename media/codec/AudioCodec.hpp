#pragma once
// The two codec interfaces the jitter buffer and call legs use, so a leg can carry Opus or G.711
// without knowing which. Everything here runs per packet: no exceptions, no heap, no logging.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/AudioFrame.hpp"

namespace parley::media {

/// Encodes internal frames (20 ms, 16 kHz mono) into RTP payloads.
class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;
  /// RTP clock rate in Hz (8000 for G.711, 48000 for Opus; RFC 3551 §4.5, RFC 7587 §4.1).
  virtual int rtpClockRate() const noexcept = 0;
  /// RTP timestamp increment per 20 ms frame, in rtpClockRate() ticks.
  uint32_t ticksPerFrame() const noexcept {
    return static_cast<uint32_t>(rtpClockRate() / (1000 / kFrameMs));
  }
  /// Encodes one frame into `out`. Returns payload bytes; 0 means "nothing to send this frame"
  /// (DTX), -1 an encoder error or an `out` too small.
  virtual int encode(const AudioFrame& frame, std::span<uint8_t> out) noexcept = 0;
};

/// Decodes RTP payloads to 16 kHz mono and conceals lost packets.
class AudioDecoder {
 public:
  /// Largest decode output in 16 kHz samples: 120 ms, Opus's longest packet (RFC 6716 §3.2.5).
  static constexpr size_t kMaxDecodeSamples = kInternalRate * 120 / 1000;

  virtual ~AudioDecoder() = default;
  virtual int rtpClockRate() const noexcept = 0;
  /// Duration of `payload` in RTP ticks, or -1 if it is not a valid packet of this codec.
  virtual int packetTicks(std::span<const uint8_t> payload) const noexcept = 0;
  /// Decodes `payload` into `out` (16 kHz mono, size ≥ kMaxDecodeSamples). Returns samples
  /// written or -1 on a corrupt payload (the caller conceals instead).
  virtual int decode(std::span<const uint8_t> payload, std::span<int16_t> out) noexcept = 0;
  /// Produces `out.size()` samples (a multiple of 2.5 ms) of concealment for a lost packet.
  /// Returns samples written.
  virtual int conceal(std::span<int16_t> out) noexcept = 0;
  /// True if decodeFec() can rebuild a lost packet from the one after it (Opus in-band FEC).
  virtual bool hasFec() const noexcept { return false; }
  /// Rebuilds `out.size()` samples of the packet before `next` from `next`'s FEC data; falls back
  /// to conceal() when `next` carries none. Returns samples written.
  virtual int decodeFec(std::span<const uint8_t> next, std::span<int16_t> out) noexcept {
    (void)next;
    return conceal(out);
  }
};

}  // namespace parley::media
