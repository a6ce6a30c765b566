#include "dialog/conversation/ReplyAudio.hpp"

#include <algorithm>

#include "dialog/conversation/Conversation.hpp"

namespace parley::dialog {

using media::kPcmSamplesPerUlawByte;
using media::OutboundAudioFormat;

std::optional<OutboundAudioFormat> ReplyAudio::formatOf(TtsEncoding encoding, int sampleRate) {
  if (encoding == TtsEncoding::Pcm16 && sampleRate == media::kInternalRate)
    return OutboundAudioFormat::Pcm16k;
  if (encoding == TtsEncoding::Ulaw && sampleRate == media::kUlawRate)
    return OutboundAudioFormat::Ulaw8k;
  return std::nullopt;
}

size_t ReplyAudio::append(std::span<const uint8_t> bytes, OutboundAudioFormat format) {
  if (!format_) format_ = format;
  const bool ulaw = format == OutboundAudioFormat::Ulaw8k;
  const size_t samples = ulaw ? bytes.size() * kPcmSamplesPerUlawByte : bytes.size() / 2;
  if (format != *format_) return samples;
  const size_t room = kMaxSamples - std::min(size(), kMaxSamples);
  if (ulaw) {
    const size_t keep = std::min(bytes.size(), room / kPcmSamplesPerUlawByte);
    ulaw_.insert(ulaw_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep));
  } else {
    const size_t keep = std::min(samples, room);
    const size_t at = pcm_.size();
    pcm_.resize(at + keep);
    for (size_t i = 0; i < keep; ++i)
      pcm_[at + i] = static_cast<int16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
  }
  return samples;
}

size_t ReplyAudio::sendFrom(AudioOut& out, size_t from) const {
  if (format_ == OutboundAudioFormat::Ulaw8k) {
    const size_t at = std::min(from / kPcmSamplesPerUlawByte, ulaw_.size());
    if (at == ulaw_.size()) return 0;
    return out.sendUlaw(std::span<const uint8_t>(ulaw_).subspan(at)) * kPcmSamplesPerUlawByte;
  }
  const size_t at = std::min(from, pcm_.size());
  if (at == pcm_.size()) return 0;
  return out.sendSamples(std::span<const int16_t>(pcm_).subspan(at));
}

size_t ReplyAudio::size() const {
  return pcm_.size() + ulaw_.size() * kPcmSamplesPerUlawByte;
}

}  // namespace parley::dialog
