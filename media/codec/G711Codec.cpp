#include "media/codec/G711Codec.hpp"

#include <algorithm>

#include "media/codec/G711.hpp"

namespace parley::media {

G711Encoder::G711Encoder(G711Law law) : law_(law), down_(kInternalRate, g711::kSampleRate) {}

int G711Encoder::encode(const AudioFrame& frame, std::span<uint8_t> out) noexcept {
  constexpr size_t kBytes = kFrameSamples / 2;
  if (out.size() < kBytes) return -1;
  std::array<int16_t, kBytes + 8> narrow{};
  size_t n = down_.process(frame.span(), narrow);
  n = std::min(n, kBytes);
  // The resampler yields exactly 160 for 320 after its first call; pad defensively anyway so the
  // payload length always matches the 20 ms timestamp step.
  std::fill(narrow.begin() + static_cast<std::ptrdiff_t>(n), narrow.begin() + kBytes, int16_t{0});
  auto in = std::span<const int16_t>(narrow.data(), kBytes);
  if (law_ == G711Law::Ulaw)
    g711::encodeUlaw(in, out);
  else
    g711::encodeAlaw(in, out);
  return static_cast<int>(kBytes);
}

G711Decoder::G711Decoder(G711Law law) : law_(law), up_(g711::kSampleRate, kInternalRate) {}

int G711Decoder::packetTicks(std::span<const uint8_t> payload) const noexcept {
  if (payload.empty() || payload.size() > kMaxPayload) return -1;
  return static_cast<int>(payload.size());
}

int G711Decoder::decode(std::span<const uint8_t> payload, std::span<int16_t> out) noexcept {
  if (payload.empty() || payload.size() > kMaxPayload) return -1;
  std::array<int16_t, kMaxPayload> narrow{};
  size_t n =
      law_ == G711Law::Ulaw ? g711::decodeUlaw(payload, narrow) : g711::decodeAlaw(payload, narrow);
  size_t w = up_.process(std::span<const int16_t>(narrow.data(), n), out);
  // Keep the newest 20 ms for concealment.
  if (w >= kFrameSamples) {
    std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(w - kFrameSamples), kFrameSamples,
                last_.begin());
  } else {
    std::copy(last_.begin() + static_cast<std::ptrdiff_t>(w), last_.end(), last_.begin());
    std::copy_n(out.begin(), w, last_.end() - static_cast<std::ptrdiff_t>(w));
  }
  concealed_ = 0;
  return static_cast<int>(w);
}

int G711Decoder::conceal(std::span<int16_t> out) noexcept {
  // Gain ramps linearly from (1 - k/F) to (1 - (k+1)/F) across concealed frame k.
  const float start = std::max(0.0f, 1.0f - float(concealed_) / float(kFadeFrames));
  const float end = std::max(0.0f, 1.0f - float(concealed_ + 1) / float(kFadeFrames));
  const size_t n = out.size();
  for (size_t i = 0; i < n; ++i) {
    float g = start + (end - start) * float(i) / float(n);
    out[i] = static_cast<int16_t>(float(last_[i % kFrameSamples]) * g);
  }
  ++concealed_;
  return static_cast<int>(n);
}

}  // namespace parley::media
