#pragma once
// Periodic RTCP for one outbound+inbound RTP session: an SR when we sent media since the last
// report, else an RR, always followed by SDES CNAME (RFC 3550 §6.1: every compound carries a
// CNAME), and BYE at the end. The interval is `intervalMs` randomised to [0.5, 1.5]× (RFC 3550
// §6.3.1) so many calls started together do not report in lockstep; the first report comes
// after half an interval. Poll it from the leg's timer; it never allocates.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/Clock.hpp"
#include "media/rtp/ReceiverStats.hpp"
#include "media/rtp/RtcpPacket.hpp"

namespace parley::media {

struct RtcpSenderConfig {
  uint32_t ssrc = 0;      ///< our SSRC
  std::string cname;      ///< RFC 7022: a random per-session identifier, ≤ 255 bytes
  int clockRate = 8000;   ///< RTP clock of what we send (for the SR's RTP timestamp)
  int intervalMs = 5000;  ///< RFC 3550 §6.2 minimum interval for a two-party session
};

class RtcpSender {
 public:
  /// `clock` is borrowed (wall time gives the SR's NTP timestamp).
  RtcpSender(RtcpSenderConfig config, core::Clock& clock);

  /// Call for each RTP packet we send (`payloadBytes` excludes the header).
  void onRtpSent(uint32_t rtpTimestamp, size_t payloadBytes, int64_t nowNs) noexcept;
  /// The remote source we receive from and its stats (borrowed; null: no report block).
  void setRemote(uint32_t remoteSsrc, ReceiverStats* stats) noexcept;
  /// If a report is due at monotonic `nowNs`, writes it into `out` and returns its size;
  /// otherwise (or if `out` is too small) returns 0.
  size_t poll(int64_t nowNs, std::span<uint8_t> out) noexcept;
  /// Writes a final report + SDES + BYE (RFC 3550 §6.6). Returns bytes, 0 if `out` too small.
  size_t buildBye(int64_t nowNs, std::span<uint8_t> out, std::string_view reason = {}) noexcept;
  int64_t nextReportNs() const noexcept { return nextNs_; }
  uint64_t reportsSent() const noexcept { return reports_; }

  /// NTP timestamp (RFC 5905 §6: seconds since 1900 in the high word) of a wall-clock time.
  static uint64_t toNtp(std::chrono::system_clock::time_point t) noexcept;

 private:
  size_t build(int64_t nowNs, std::span<uint8_t> out, bool bye, std::string_view reason) noexcept;
  int64_t randomisedIntervalNs() noexcept;

  RtcpSenderConfig config_;
  core::Clock& clock_;  ///< borrowed
  uint32_t remoteSsrc_ = 0;
  ReceiverStats* remote_ = nullptr;  ///< borrowed
  bool sentSinceReport_ = false;
  bool everSent_ = false;
  uint32_t lastRtpTs_ = 0;
  int64_t lastRtpNs_ = 0;
  uint32_t packets_ = 0;
  uint32_t octets_ = 0;
  int64_t nextNs_ = -1;
  uint32_t rng_;
  uint64_t reports_ = 0;
};

}  // namespace parley::media
