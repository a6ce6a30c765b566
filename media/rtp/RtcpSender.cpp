#include "media/rtp/RtcpSender.hpp"

namespace parley::media {

namespace {
/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
constexpr uint64_t kNtpUnixOffset = 2'208'988'800ULL;
}  // namespace

RtcpSender::RtcpSender(RtcpSenderConfig config, core::Clock& clock)
    : config_(std::move(config)), clock_(clock), rng_(config_.ssrc | 1u) {}

uint64_t RtcpSender::toNtp(std::chrono::system_clock::time_point t) noexcept {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<uint64_t>(ns / 1'000'000'000);
  auto frac = static_cast<uint64_t>(ns % 1'000'000'000);
  return ((secs + kNtpUnixOffset) << 32) | ((frac << 32) / 1'000'000'000);
}

void RtcpSender::onRtpSent(uint32_t rtpTimestamp, size_t payloadBytes, int64_t nowNs) noexcept {
  lastRtpTs_ = rtpTimestamp;
  lastRtpNs_ = nowNs;
  ++packets_;
  octets_ += static_cast<uint32_t>(payloadBytes);
  sentSinceReport_ = true;
  everSent_ = true;
}

void RtcpSender::setRemote(uint32_t remoteSsrc, ReceiverStats* stats) noexcept {
  remoteSsrc_ = remoteSsrc;
  remote_ = stats;
}

int64_t RtcpSender::randomisedIntervalNs() noexcept {
  // xorshift32: cheap, good enough to spread report times; not for anything secret.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 17;
  rng_ ^= rng_ << 5;
  double factor = 0.5 + double(rng_ % 1000) / 1000.0;  // [0.5, 1.5)
  return static_cast<int64_t>(double(config_.intervalMs) * 1e6 * factor);
}

size_t RtcpSender::poll(int64_t nowNs, std::span<uint8_t> out) noexcept {
  if (nextNs_ < 0) {
    nextNs_ = nowNs + randomisedIntervalNs() / 2;
    return 0;
  }
  if (nowNs < nextNs_) return 0;
  nextNs_ = nowNs + randomisedIntervalNs();
  return build(nowNs, out, false, {});
}

size_t RtcpSender::buildBye(int64_t nowNs, std::span<uint8_t> out,
                            std::string_view reason) noexcept {
  return build(nowNs, out, true, reason);
}

size_t RtcpSender::build(int64_t nowNs, std::span<uint8_t> out, bool bye,
                         std::string_view reason) noexcept {
  RtcpWriter w(out);
  RtcpReportBlock block;
  bool haveBlock = remote_ && remote_->valid();
  if (haveBlock) block = remote_->makeReportBlock(remoteSsrc_, nowNs);
  bool ok = false;
  if (sentSinceReport_ || (bye && everSent_)) {
    RtcpSenderReport sr;
    sr.ssrc = config_.ssrc;
    sr.ntpTimestamp = toNtp(clock_.wallNow());
    // The RTP time of "now" on our media clock, extrapolated from the last packet sent.
    int64_t elapsed = (nowNs - lastRtpNs_) / 1000 * config_.clockRate / 1'000'000;
    sr.rtpTimestamp = lastRtpTs_ + static_cast<uint32_t>(elapsed);
    sr.packetCount = packets_;
    sr.octetCount = octets_;
    if (haveBlock) {
      sr.reports[0] = block;
      sr.reportCount = 1;
    }
    ok = w.addSenderReport(sr);
  } else {
    RtcpReceiverReport rr;
    rr.ssrc = config_.ssrc;
    if (haveBlock) {
      rr.reports[0] = block;
      rr.reportCount = 1;
    }
    ok = w.addReceiverReport(rr);
  }
  ok = ok && w.addSdesCname(config_.ssrc, config_.cname);
  if (bye) {
    uint32_t ssrc = config_.ssrc;
    ok = ok && w.addBye(std::span<const uint32_t>(&ssrc, 1), reason);
  }
  if (!ok) return 0;
  sentSinceReport_ = false;
  ++reports_;
  return w.size();
}

}  // namespace parley::media
