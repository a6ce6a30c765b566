#include "media/sip/RtpPortAllocator.hpp"

#include <string>

#include "core/Error.hpp"

namespace parley::media::sip {

RtpPortAllocator::RtpPortAllocator(uint16_t first, uint16_t last)
    : first_(static_cast<uint16_t>(first + (first & 1))) {
  if (first_ == 0 || last < first_ + 1)
    throw core::ConfigError("sip.rtp_ports", "",
                            "range " + std::to_string(first) + "-" + std::to_string(last) +
                                " holds no even RTP port with RTCP above it");
  used_.assign((last - first_ + 1) / 2, false);
}

std::optional<uint16_t> RtpPortAllocator::acquire() {
  std::lock_guard lock(mutex_);
  for (size_t n = 0; n < used_.size(); ++n) {
    size_t i = (next_ + n) % used_.size();
    if (used_[i]) continue;
    used_[i] = true;
    ++inUse_;
    next_ = (i + 1) % used_.size();
    return static_cast<uint16_t>(first_ + 2 * i);
  }
  return std::nullopt;
}

void RtpPortAllocator::release(uint16_t port) {
  std::lock_guard lock(mutex_);
  if (port < first_ || (port - first_) % 2 != 0) return;
  size_t i = (port - first_) / 2;
  if (i >= used_.size() || !used_[i]) return;
  used_[i] = false;
  --inUse_;
}

size_t RtpPortAllocator::inUse() const {
  std::lock_guard lock(mutex_);
  return inUse_;
}

}  // namespace parley::media::sip
