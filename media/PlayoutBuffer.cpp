#include "media/PlayoutBuffer.hpp"

#include <algorithm>

namespace parley::media {

// The ring is NOT zero-filled: only queued samples are ever read, and untouched pages of a large
// allocation stay out of the resident set (30 s of capacity is 938 KiB per call; a reply
// usually queues a few seconds). For the same reason reading and writing restart at the
// beginning whenever the queue is empty, so a call only ever touches as much of the ring as its
// longest queued reply.
PlayoutBuffer::PlayoutBuffer(size_t capacitySamples)
    : ring_(new int16_t[std::max(capacitySamples, kFrameSamples)]),
      capacity_(std::max(capacitySamples, kFrameSamples)) {}

size_t PlayoutBuffer::write(std::span<const int16_t> samples) noexcept {
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

bool PlayoutBuffer::push(const AudioFrame& frame) noexcept {
  if (capacity_ - count_ < kFrameSamples) return false;
  write(frame.span());
  return true;
}

bool PlayoutBuffer::pop(AudioFrame& out) noexcept {
  if (count_ == 0 || (count_ < kFrameSamples && !ended_)) return false;
  size_t n = std::min(count_, kFrameSamples);
  size_t first = std::min(n, capacity_ - head_);
  std::copy_n(ring_.get() + head_, first, out.samples.begin());
  std::copy_n(ring_.get(), n - first, out.samples.begin() + static_cast<std::ptrdiff_t>(first));
  std::fill(out.samples.begin() + static_cast<std::ptrdiff_t>(n), out.samples.end(), int16_t{0});
  head_ = (head_ + n) % capacity_;
  count_ -= n;
  if (count_ == 0) head_ = 0;
  played_ += n;
  return true;
}

size_t PlayoutBuffer::flush() noexcept {
  size_t dropped = count_;
  head_ = 0;
  count_ = 0;
  ended_ = false;
  return dropped;
}

}  // namespace parley::media
