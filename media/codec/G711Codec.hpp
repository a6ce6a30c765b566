#pragma once
// PCMU/PCMA as AudioEncoder/AudioDecoder: G.711 companding plus the 8 kHz ↔ 16 kHz resampling
// and a repeat-and-fade concealment (in the spirit of ITU-T G.711 Appendix I: repeat the last
// audio, attenuating to silence over 60 ms so a long gap does not buzz).
#include <array>

#include "media/Resampler.hpp"
#include "media/codec/AudioCodec.hpp"

namespace parley::media {

enum class G711Law { Ulaw, Alaw };

/// 20 ms 16 kHz frames → 160-byte G.711 payloads at 8 kHz (RTP clock 8000, RFC 3551 §4.5.14).
class G711Encoder final : public AudioEncoder {
 public:
  explicit G711Encoder(G711Law law);
  int rtpClockRate() const noexcept override { return 8000; }
  /// Writes 160 bytes; -1 if `out` is smaller.
  int encode(const AudioFrame& frame, std::span<uint8_t> out) noexcept override;

 private:
  G711Law law_;
  Resampler down_;
};

/// G.711 payloads (any ptime) → 16 kHz. Concealment repeats the last 20 ms with a fade to zero
/// over kFadeFrames frames.
class G711Decoder final : public AudioDecoder {
 public:
  /// Concealed frames until full silence: 3 × 20 ms = 60 ms.
  static constexpr int kFadeFrames = 3;
  /// Largest payload accepted: 120 ms at 8 kHz (nobody sends longer ptime; bounds the scratch).
  static constexpr size_t kMaxPayload = 960;

  explicit G711Decoder(G711Law law);
  int rtpClockRate() const noexcept override { return 8000; }
  int packetTicks(std::span<const uint8_t> payload) const noexcept override;
  int decode(std::span<const uint8_t> payload, std::span<int16_t> out) noexcept override;
  int conceal(std::span<int16_t> out) noexcept override;

 private:
  G711Law law_;
  Resampler up_;
  std::array<int16_t, kFrameSamples> last_{};  ///< last 20 ms of 16 kHz output, for concealment
  int concealed_ = 0;                          ///< consecutive concealed frames
};

}  // namespace parley::media
