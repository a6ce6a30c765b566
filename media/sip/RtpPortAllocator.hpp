#pragma once
// Hands out RTP ports from the configured range (sip.rtp_ports). Each call takes an even port
// for RTP and the odd one above it for RTCP (RFC 3550 §11). Thread-safe: the SIP thread
// acquires, media loops release when their leg ends.
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace parley::media::sip {

class RtpPortAllocator {
 public:
  /// [first, last] inclusive; first is rounded up to even. Throws core::ConfigError when the
  /// range holds no even/odd pair.
  RtpPortAllocator(uint16_t first, uint16_t last);
  /// The next free even port (round robin, so a just-released port is not reused at once and
  /// late packets of an old call do not land in a new one). nullopt when all are taken.
  std::optional<uint16_t> acquire();
  /// Returns a port from acquire(). Unknown or already free ports are ignored.
  void release(uint16_t port);
  size_t capacity() const { return used_.size(); }
  size_t inUse() const;

 private:
  uint16_t first_;
  mutable std::mutex mutex_;
  std::vector<bool> used_;  ///< one entry per even port
  size_t next_ = 0;
  size_t inUse_ = 0;
};

}  // namespace parley::media::sip
