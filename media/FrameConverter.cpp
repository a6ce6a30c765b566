#include "media/FrameConverter.hpp"

#include <algorithm>
#include <string>

#include "core/Error.hpp"

namespace parley::media {

namespace {
/// Input handled per resampler call: 20 ms of 48 kHz stereo, so scratch buffers stay on the stack.
constexpr size_t kChunkSamples = 48000 / 50 * 2;
}  // namespace

InboundConverter::InboundConverter(int rate, int channels)
    : channels_(channels), resampler_(rate, kInternalRate, 1) {
  if (channels != 1 && channels != 2)
    throw core::Error("audio: channels must be 1 or 2, got " + std::to_string(channels));
}

bool InboundConverter::push(std::span<const int16_t> interleaved) noexcept {
  std::array<int16_t, kChunkSamples> mono{};
  std::array<int16_t, kChunkSamples * 3> resampled{};  // 8 kHz → 16 kHz doubles; 3× is slack
  bool ok = true;
  const size_t ch = static_cast<size_t>(channels_);
  const size_t step = kChunkSamples / 2 * ch;  // ≤ kChunkSamples interleaved, ≤ half as mono
  for (size_t off = 0; off < interleaved.size(); off += step) {
    auto block = interleaved.subspan(off, std::min(step, interleaved.size() - off));
    std::span<const int16_t> monoIn = block;
    if (ch == 2) monoIn = std::span<const int16_t>(mono.data(), downmixStereo(block, mono));
    size_t n = resampler_.process(monoIn, resampled);
    size_t room = fifo_.size() - count_;
    if (n > room) {
      n = room;
      ok = false;
    }
    std::copy_n(resampled.begin(), n, fifo_.begin() + static_cast<std::ptrdiff_t>(count_));
    count_ += n;
  }
  return ok;
}

bool InboundConverter::pop(AudioFrame& out) noexcept {
  if (count_ < kFrameSamples) return false;
  std::copy_n(fifo_.begin(), kFrameSamples, out.samples.begin());
  std::copy(fifo_.begin() + kFrameSamples, fifo_.begin() + static_cast<std::ptrdiff_t>(count_),
            fifo_.begin());
  count_ -= kFrameSamples;
  return true;
}

bool InboundConverter::popPadded(AudioFrame& out) noexcept {
  if (pop(out)) return true;
  if (count_ == 0) return false;
  out.clear();
  std::copy_n(fifo_.begin(), count_, out.samples.begin());
  count_ = 0;
  return true;
}

void InboundConverter::reset() noexcept {
  resampler_.reset();
  count_ = 0;
}

OutboundConverter::OutboundConverter(int rate, int channels)
    : channels_(channels), resampler_(kInternalRate, rate, 1) {
  if (channels != 1 && channels != 2)
    throw core::Error("audio: channels must be 1 or 2, got " + std::to_string(channels));
}

size_t OutboundConverter::convert(const AudioFrame& frame, std::span<int16_t> out) noexcept {
  std::array<int16_t, kMaxOutSamples> mono{};
  size_t n = resampler_.process(frame.span(), std::span<int16_t>(mono.data(), kMaxOutSamples / 2));
  if (channels_ == 1) {
    n = std::min(n, out.size());
    std::copy_n(mono.begin(), n, out.begin());
    return n;
  }
  return upmixToStereo(std::span<const int16_t>(mono.data(), n), out) * 2;
}

}  // namespace parley::media
