#include "media/rtp/ReceiverStats.hpp"

#include <algorithm>
#include <cmath>

namespace parley::media {

namespace {
constexpr uint32_t kSeqMod = 1u << 16;
}

void ReceiverStats::initSeq(uint16_t seq) noexcept {
  baseSeq_ = seq;
  maxSeq_ = seq;
  badSeq_ = kSeqMod + 1;  // so seq == badSeq_ is false
  cycles_ = 0;
  received_ = 0;
  receivedPrior_ = 0;
  expectedPrior_ = 0;
}

bool ReceiverStats::onPacket(uint16_t seq, uint32_t rtpTimestamp, int64_t arrivalNs) noexcept {
  if (!started_) {
    started_ = true;
    initSeq(seq);
    maxSeq_ = static_cast<uint16_t>(seq - 1);
    probation_ = kMinSequential;
  }
  auto udelta = static_cast<uint16_t>(seq - maxSeq_);
  if (probation_ > 0) {
    if (seq == static_cast<uint16_t>(maxSeq_ + 1)) {
      --probation_;
      maxSeq_ = seq;
      if (probation_ == 0) {
        initSeq(seq);
        ++received_;
      } else {
        return false;
      }
    } else {
      probation_ = kMinSequential - 1;
      maxSeq_ = seq;
      return false;
    }
  } else if (udelta < kMaxDropout) {
    if (seq < maxSeq_) cycles_ += kSeqMod;  // wrapped
    maxSeq_ = seq;
    ++received_;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A very large jump: two sequential packets at the new place mean the sender restarted.
    if (seq == badSeq_) {
      initSeq(seq);
      ++received_;
    } else {
      badSeq_ = (uint32_t{seq} + 1) & (kSeqMod - 1);
      return false;
    }
  } else {
    ++received_;  // duplicate or reordered: counted, max unchanged
  }

  // A.8 interarrival jitter. Arrival converted to RTP units via µs to avoid overflow.
  int64_t arrival = (arrivalNs / 1000) * clockRate_ / 1'000'000;
  int64_t transit = arrival - static_cast<int64_t>(rtpTimestamp);
  if (haveTransit_) {
    // Differences of 32-bit timestamps: fold into int32 so a timestamp wrap is a small step.
    auto d = static_cast<int32_t>(static_cast<uint32_t>(transit - transit_));
    jitter_ += (std::abs(double(d)) - jitter_) / 16.0;
  }
  transit_ = transit;
  haveTransit_ = true;
  return true;
}

void ReceiverStats::onSenderReport(uint64_t ntp, int64_t arrivalNs) noexcept {
  lastSr_ = static_cast<uint32_t>(ntp >> 16);  // middle 32 bits
  lastSrArrivalNs_ = arrivalNs;
  haveSr_ = true;
}

int64_t ReceiverStats::cumulativeLost() const noexcept {
  if (!valid()) return 0;
  int64_t expected = int64_t{extendedHighestSeq()} - baseSeq_ + 1;
  return expected - static_cast<int64_t>(received_);
}

RtcpReportBlock ReceiverStats::makeReportBlock(uint32_t ssrc, int64_t nowNs) noexcept {
  RtcpReportBlock b;
  b.ssrc = ssrc;
  if (!valid()) return b;
  auto expected = static_cast<uint64_t>(int64_t{extendedHighestSeq()} - baseSeq_ + 1);
  int64_t expectedInterval = static_cast<int64_t>(expected - expectedPrior_);
  int64_t receivedInterval = static_cast<int64_t>(received_ - receivedPrior_);
  expectedPrior_ = expected;
  receivedPrior_ = received_;
  int64_t lostInterval = expectedInterval - receivedInterval;
  b.fractionLost =
      (expectedInterval == 0 || lostInterval <= 0)
          ? 0
          : static_cast<uint8_t>(std::min<int64_t>(255, (lostInterval << 8) / expectedInterval));
  b.cumulativeLost =
      static_cast<int32_t>(std::clamp<int64_t>(cumulativeLost(), -0x800000, 0x7FFFFF));
  b.highestSeq = extendedHighestSeq();
  b.jitter = jitter();
  if (haveSr_) {
    b.lastSr = lastSr_;
    // DLSR in 1/65536 s.
    b.delaySinceLastSr = static_cast<uint32_t>((nowNs - lastSrArrivalNs_) * 65536 / 1'000'000'000);
  }
  return b;
}

}  // namespace parley::media
