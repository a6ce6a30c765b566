#include "media/Resampler.hpp"

#include <speex/speex_resampler.h>

#include <algorithm>
#include <string>
#include <utility>

#include "core/Error.hpp"

namespace parley::media {

Resampler::Resampler(int inRate, int outRate, int channels, int quality)
    : inRate_(inRate), outRate_(outRate), channels_(channels) {
  if (inRate < 8000 || inRate > kMaxRate || outRate < 8000 || outRate > kMaxRate)
    throw core::Error("resampler: rate out of range 8000..48000: " + std::to_string(inRate) +
                      " -> " + std::to_string(outRate));
  if (channels != 1 && channels != 2)
    throw core::Error("resampler: channels must be 1 or 2, got " + std::to_string(channels));
  if (inRate == outRate) return;
  int err = 0;
  state_ =
      speex_resampler_init(static_cast<spx_uint32_t>(channels), static_cast<spx_uint32_t>(inRate),
                           static_cast<spx_uint32_t>(outRate), quality, &err);
  if (!state_ || err != RESAMPLER_ERR_SUCCESS)
    throw core::Error(std::string("resampler: ") + speex_resampler_strerror(err));
}

Resampler::~Resampler() {
  if (state_) speex_resampler_destroy(state_);
}

Resampler::Resampler(Resampler&& o) noexcept
    : state_(std::exchange(o.state_, nullptr)),
      inRate_(o.inRate_),
      outRate_(o.outRate_),
      channels_(o.channels_) {}

Resampler& Resampler::operator=(Resampler&& o) noexcept {
  if (this != &o) {
    if (state_) speex_resampler_destroy(state_);
    state_ = std::exchange(o.state_, nullptr);
    inRate_ = o.inRate_;
    outRate_ = o.outRate_;
    channels_ = o.channels_;
  }
  return *this;
}

size_t Resampler::process(std::span<const int16_t> in, std::span<int16_t> out) noexcept {
  const auto ch = static_cast<size_t>(channels_);
  if (!state_) {
    size_t n = std::min(in.size(), out.size()) / ch * ch;
    std::copy_n(in.begin(), n, out.begin());
    return n;
  }
  size_t written = 0;
  size_t consumed = 0;
  // speex may stop early when its internal block is full; loop until input or output runs out.
  while (consumed + ch <= in.size() && written + ch <= out.size()) {
    auto inLen = static_cast<spx_uint32_t>((in.size() - consumed) / ch);
    auto outLen = static_cast<spx_uint32_t>((out.size() - written) / ch);
    speex_resampler_process_interleaved_int(state_, in.data() + consumed, &inLen,
                                            out.data() + written, &outLen);
    if (inLen == 0 && outLen == 0) break;
    consumed += size_t{inLen} * ch;
    written += size_t{outLen} * ch;
  }
  return written;
}

size_t Resampler::maxOutput(size_t inSamples) const noexcept {
  auto in = static_cast<uint64_t>(inSamples);
  auto r = (in * static_cast<uint64_t>(outRate_) + static_cast<uint64_t>(inRate_) - 1) /
           static_cast<uint64_t>(inRate_);
  return static_cast<size_t>(r) + static_cast<size_t>(channels_) * 2;
}

void Resampler::reset() noexcept {
  if (state_) {
    speex_resampler_reset_mem(state_);
  }
}

}  // namespace parley::media
