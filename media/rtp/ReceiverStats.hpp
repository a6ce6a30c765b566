#pragma once
// Reception statistics of one inbound RTP source, exactly as RFC 3550 Appendix A specifies:
// sequence validation with probation (A.1), expected/lost counts and the fraction lost between
// reports (A.3), interarrival jitter (A.8), and LSR/DLSR bookkeeping for round-trip time (§6.4.1).
#include <cstdint>

#include "media/rtp/RtcpPacket.hpp"

namespace parley::media {

class ReceiverStats {
 public:
  /// RFC 3550 A.1 constants: packets in sequence before a source is valid, and the largest
  /// forward jump / reordering still treated as the same stream.
  static constexpr int kMinSequential = 2;
  static constexpr uint16_t kMaxDropout = 3000;
  static constexpr uint16_t kMaxMisorder = 100;

  /// `clockRate`: RTP clock in Hz (jitter is kept in its units).
  explicit ReceiverStats(int clockRate) noexcept : clockRate_(clockRate) {}

  /// Records a packet arriving at monotonic `arrivalNs`. Returns false while the source is on
  /// probation or after a jump larger than kMaxDropout (A.1 update_seq returning 0).
  bool onPacket(uint16_t seq, uint32_t rtpTimestamp, int64_t arrivalNs) noexcept;
  /// Records an SR from this source for LSR/DLSR (`ntp` is its 64-bit NTP timestamp).
  void onSenderReport(uint64_t ntp, int64_t arrivalNs) noexcept;
  /// Builds the report block about this source (`ssrc`) at `nowNs`; the fraction lost covers
  /// the interval since the previous call (A.3).
  RtcpReportBlock makeReportBlock(uint32_t ssrc, int64_t nowNs) noexcept;

  uint64_t received() const noexcept { return received_; }
  uint32_t extendedHighestSeq() const noexcept { return cycles_ + maxSeq_; }
  int64_t cumulativeLost() const noexcept;
  /// Interarrival jitter in RTP timestamp units (A.8) and in ms.
  uint32_t jitter() const noexcept { return static_cast<uint32_t>(jitter_); }
  double jitterMs() const noexcept { return jitter_ * 1000.0 / clockRate_; }
  bool valid() const noexcept { return started_ && probation_ == 0; }

 private:
  void initSeq(uint16_t seq) noexcept;

  int clockRate_;
  bool started_ = false;
  uint16_t maxSeq_ = 0;
  uint32_t cycles_ = 0;
  uint32_t baseSeq_ = 0;
  uint32_t badSeq_ = 0;
  int probation_ = 0;
  uint64_t received_ = 0;
  uint64_t expectedPrior_ = 0;
  uint64_t receivedPrior_ = 0;
  bool haveTransit_ = false;
  int64_t transit_ = 0;
  double jitter_ = 0;
  uint32_t lastSr_ = 0;
  int64_t lastSrArrivalNs_ = 0;
  bool haveSr_ = false;
};

}  // namespace parley::media
