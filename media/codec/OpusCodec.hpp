#pragma once
// Opus via libopus (RFC 6716), RTP payload per RFC 7587: the RTP clock is always 48 kHz whatever
// the coded bandwidth (§4.1), so timestamps advance 960 per 20 ms frame.
#include <array>
#include <cstdint>
#include <span>

#include "media/codec/AudioCodec.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace parley::media {

/// RTP clock of Opus (RFC 7587 §4.1).
inline constexpr int kOpusRtpClock = 48000;

struct OpusEncoderConfig {
  int inputRate = kInternalRate;  ///< Hz of the PCM given to encodePcm(): 16000, 24000 or 48000
  int bitrate = 24000;            ///< bits/s; 24 kb/s is transparent for wideband speech
  int complexity = 5;           ///< 0–10; 5 halves CPU against 10 with no audible loss on speech
  bool inbandFec = true;        ///< LBRR data so the receiver can rebuild one lost packet
  int expectedLossPercent = 5;  ///< tunes how much FEC the encoder spends
  bool dtx = false;             ///< discontinuous transmission in silence (RFC 7587 §3.1.3)
};

/// 20 ms frames → Opus packets (mono, VOIP application). Frames that are digital silence are not
/// run through the encoder: the pre-encoded silence packet is sent instead (or nothing with DTX),
/// so quiet periods cost almost no CPU.
class OpusAudioEncoder final : public AudioEncoder {
 public:
  /// Largest Opus packet for one frame (RFC 6716 §3.2.1: 1275 bytes) plus TOC slack.
  static constexpr size_t kMaxPacket = 1276;
  /// A valid 20 ms CELT packet that decodes to silence (TOC 0xF8: CELT FB 20 ms mono; the two
  /// following bytes code a silent frame). Widely used by WebRTC stacks for muted tracks.
  static constexpr std::array<uint8_t, 3> kSilencePacket = {0xF8, 0xFF, 0xFE};

  /// Throws core::Error on an unsupported rate or a libopus init failure (control path).
  explicit OpusAudioEncoder(const OpusEncoderConfig& config = {});
  ~OpusAudioEncoder() override;
  OpusAudioEncoder(const OpusAudioEncoder&) = delete;
  OpusAudioEncoder& operator=(const OpusAudioEncoder&) = delete;

  int rtpClockRate() const noexcept override { return kOpusRtpClock; }
  /// Encodes one internal frame; requires config.inputRate == 16000 (returns -1 otherwise).
  int encode(const AudioFrame& frame, std::span<uint8_t> out) noexcept override;
  /// Encodes 20 ms of mono PCM at config.inputRate (inputRate/50 samples). Returns bytes, 0 when
  /// DTX suppresses the frame, -1 on error.
  int encodePcm(std::span<const int16_t> pcm, std::span<uint8_t> out) noexcept;
  /// Frames answered with the pre-encoded silence packet (or suppressed) instead of encoding.
  uint64_t silentFrames() const noexcept { return silentFrames_; }

 private:
  OpusEncoder* enc_ = nullptr;  ///< owned
  OpusEncoderConfig config_;
  int silentRun_ = 0;  ///< consecutive all-zero frames
  uint64_t silentFrames_ = 0;
};

/// Opus packets → 16 kHz mono (libopus decodes straight to 16 kHz, no resampler), with PLC and
/// in-band FEC recovery.
class OpusAudioDecoder final : public AudioDecoder {
 public:
  /// Throws core::Error if libopus cannot create the decoder.
  OpusAudioDecoder();
  ~OpusAudioDecoder() override;
  OpusAudioDecoder(const OpusAudioDecoder&) = delete;
  OpusAudioDecoder& operator=(const OpusAudioDecoder&) = delete;

  int rtpClockRate() const noexcept override { return kOpusRtpClock; }
  int packetTicks(std::span<const uint8_t> payload) const noexcept override;
  int decode(std::span<const uint8_t> payload, std::span<int16_t> out) noexcept override;
  int conceal(std::span<int16_t> out) noexcept override;
  bool hasFec() const noexcept override { return true; }
  int decodeFec(std::span<const uint8_t> next, std::span<int16_t> out) noexcept override;

 private:
  OpusDecoder* dec_ = nullptr;  ///< owned
};

}  // namespace parley::media
