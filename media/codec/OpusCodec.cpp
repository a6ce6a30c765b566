#include "media/codec/OpusCodec.hpp"

#include <opus.h>

#include <algorithm>
#include <string>

#include "core/Error.hpp"

namespace parley::media {

namespace {
/// All-zero frames encoded normally before switching to the silence packet: lets the encoder
/// ring out its overlap so speech does not end in a click.
constexpr int kSilenceHangFrames = 2;
/// Packets of ≤ 2 bytes are DTX/comfort frames that need not be sent (RFC 7587 §3.1.3).
constexpr int kDtxMaxBytes = 2;
}  // namespace

OpusAudioEncoder::OpusAudioEncoder(const OpusEncoderConfig& config) : config_(config) {
  if (config.inputRate != 16000 && config.inputRate != 24000 && config.inputRate != 48000)
    throw core::Error("opus: encoder input rate must be 16000, 24000 or 48000, got " +
                      std::to_string(config.inputRate));
  int err = 0;
  enc_ = opus_encoder_create(config.inputRate, 1, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK || !enc_) throw core::Error(std::string("opus: ") + opus_strerror(err));
  opus_encoder_ctl(enc_, OPUS_SET_BITRATE(config.bitrate));
  opus_encoder_ctl(enc_, OPUS_SET_COMPLEXITY(config.complexity));
  opus_encoder_ctl(enc_, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  opus_encoder_ctl(enc_, OPUS_SET_INBAND_FEC(config.inbandFec ? 1 : 0));
  opus_encoder_ctl(enc_, OPUS_SET_PACKET_LOSS_PERC(config.expectedLossPercent));
  opus_encoder_ctl(enc_, OPUS_SET_DTX(config.dtx ? 1 : 0));
}

OpusAudioEncoder::~OpusAudioEncoder() {
  opus_encoder_destroy(enc_);
}

int OpusAudioEncoder::encode(const AudioFrame& frame, std::span<uint8_t> out) noexcept {
  if (config_.inputRate != kInternalRate) return -1;
  return encodePcm(frame.span(), out);
}

int OpusAudioEncoder::encodePcm(std::span<const int16_t> pcm, std::span<uint8_t> out) noexcept {
  const auto frameSize = static_cast<size_t>(config_.inputRate / 50);
  if (pcm.size() != frameSize || out.empty()) return -1;
  bool zero = std::all_of(pcm.begin(), pcm.end(), [](int16_t s) { return s == 0; });
  silentRun_ = zero ? silentRun_ + 1 : 0;
  if (silentRun_ > kSilenceHangFrames) {
    ++silentFrames_;
    if (config_.dtx) return 0;
    if (out.size() < kSilencePacket.size()) return -1;
    std::copy(kSilencePacket.begin(), kSilencePacket.end(), out.begin());
    return static_cast<int>(kSilencePacket.size());
  }
  auto maxBytes = static_cast<opus_int32>(std::min(out.size(), kMaxPacket));
  int n = opus_encode(enc_, pcm.data(), static_cast<int>(frameSize), out.data(), maxBytes);
  if (n < 0) return -1;
  if (config_.dtx && n <= kDtxMaxBytes) return 0;
  return n;
}

OpusAudioDecoder::OpusAudioDecoder() {
  int err = 0;
  dec_ = opus_decoder_create(kInternalRate, 1, &err);
  if (err != OPUS_OK || !dec_) throw core::Error(std::string("opus: ") + opus_strerror(err));
}

OpusAudioDecoder::~OpusAudioDecoder() {
  opus_decoder_destroy(dec_);
}

int OpusAudioDecoder::packetTicks(std::span<const uint8_t> payload) const noexcept {
  if (payload.empty()) return -1;
  int n = opus_packet_get_nb_samples(payload.data(), static_cast<opus_int32>(payload.size()),
                                     kOpusRtpClock);
  if (n <= 0 || n > kOpusRtpClock * 120 / 1000) return -1;
  return n;
}

int OpusAudioDecoder::decode(std::span<const uint8_t> payload, std::span<int16_t> out) noexcept {
  if (payload.empty()) return -1;
  int n = opus_decode(dec_, payload.data(), static_cast<opus_int32>(payload.size()), out.data(),
                      static_cast<int>(std::min(out.size(), kMaxDecodeSamples)), 0);
  return n < 0 ? -1 : n;
}

int OpusAudioDecoder::conceal(std::span<int16_t> out) noexcept {
  int n = opus_decode(dec_, nullptr, 0, out.data(), static_cast<int>(out.size()), 0);
  if (n < 0) {
    std::fill(out.begin(), out.end(), int16_t{0});
    return static_cast<int>(out.size());
  }
  return n;
}

int OpusAudioDecoder::decodeFec(std::span<const uint8_t> next, std::span<int16_t> out) noexcept {
  if (next.empty()) return conceal(out);
  // With decode_fec = 1 libopus returns the previous packet rebuilt from `next`'s LBRR data, or
  // plain PLC when `next` has none (RFC 6716 §4.2.5).
  int n = opus_decode(dec_, next.data(), static_cast<opus_int32>(next.size()), out.data(),
                      static_cast<int>(out.size()), 1);
  return n < 0 ? conceal(out) : n;
}

}  // namespace parley::media
