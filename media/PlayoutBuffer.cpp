#include "media/PlayoutBuffer.hpp"

#include <algorithm>

namespace parley::media {

// The ring is NOT zero-filled: only queued samples are ever read, and untouched pages of a large
// allocation stay out of the resident set (30 s of capacity is 938 KiB per call; a reply
// usually queues a few seconds). For the same reason reading and writing restart at the
// beginning whenever the queue is empty, so a call only ever touches as much of the ring as its
// longest queued reply.
template <typename Sample>
PlayoutRing<Sample>::PlayoutRing(size_t capacitySamples, size_t frameSamples, int sampleRate,
                                 Sample silence)
    : ring_(new Sample[std::max(capacitySamples, frameSamples)]),
      capacity_(std::max(capacitySamples, frameSamples)),
      frame_(frameSamples),
      sampleRate_(static_cast<size_t>(sampleRate)),
      silence_(silence) {}

template <typename Sample>
size_t PlayoutRing<Sample>::write(std::span<const Sample> samples) noexcept {
  if (count_ == 0) head_ = 0;
  size_t n = std::min(samples.size(), capacity_ - count_);
  size_t tail = (head_ + count_) % capacity_;
  size_t first = std::min(n, capacity_ - tail);
  std::copy_n(samples.begin(), first, ring_.get() + tail);
  std::copy_n(samples.begin() + static_cast<std::ptrdiff_t>(first), n - first, ring_.get());
  count_ += n;
  if (n > 0) ended_ = false;
  return n;
}

template <typename Sample>
bool PlayoutRing<Sample>::popFrame(std::span<Sample> out) noexcept {
  if (out.size() != frame_) return false;
  if (count_ == 0 || (count_ < frame_ && !ended_)) return false;
  size_t n = std::min(count_, frame_);
  size_t first = std::min(n, capacity_ - head_);
  std::copy_n(ring_.get() + head_, first, out.begin());
  std::copy_n(ring_.get(), n - first, out.begin() + static_cast<std::ptrdiff_t>(first));
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), silence_);
  head_ = (head_ + n) % capacity_;
  count_ -= n;
  if (count_ == 0) head_ = 0;
  played_ += n;
  return true;
}

template <typename Sample>
size_t PlayoutRing<Sample>::flush() noexcept {
  size_t dropped = count_;
  head_ = 0;
  count_ = 0;
  ended_ = false;
  return dropped;
}

template class PlayoutRing<int16_t>;
template class PlayoutRing<uint8_t>;

bool PlayoutBuffer::push(const AudioFrame& frame) noexcept {
  if (capacity() - queuedSamples() < kFrameSamples) return false;
  write(frame.span());
  return true;
}

}  // namespace parley::media
