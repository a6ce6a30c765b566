#pragma once
// RTCP (RFC 3550 §6): compound-packet walking plus parse/serialize of SR (§6.4.1), RR (§6.4.2),
// SDES (§6.5) and BYE (§6.6). Parsed packets are views into the caller's buffer (no heap);
// report blocks and SSRC lists live in fixed arrays bounded by the 5-bit count field.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace parley::media {

enum class RtcpType : uint8_t { SR = 200, RR = 201, SDES = 202, BYE = 203, APP = 204 };

/// One packet inside a compound: header fields and the body after the 4-byte header (padding
/// removed).
struct RtcpPacketView {
  uint8_t count = 0;  ///< RC / SC / FMT: the 5-bit field
  uint8_t type = 0;   ///< packet type (200–206 …)
  std::span<const uint8_t> body;
};

/// A whole UDP payload of RTCP packets (RFC 3550 §6.1).
class RtcpCompound {
 public:
  /// Packets per compound we look at: an SR/RR, SDES, BYE and a few feedback messages fit in a
  /// real compound; more is not a real endpoint.
  static constexpr size_t kMaxPackets = 16;
  /// Largest compound accepted: an Ethernet MTU.
  static constexpr size_t kMaxSize = 1500;

  /// Demux test (RFC 5761 §4): first byte 128–191 and packet type 192–223.
  static bool isRtcp(std::span<const uint8_t> data) noexcept;
  /// Validates every header (version 2, lengths add up exactly, padding only on the last
  /// packet, RFC 3550 §A.2) and collects views. The first packet need not be SR/RR (reduced-
  /// size RTCP, RFC 5506). nullopt on anything malformed.
  static std::optional<RtcpCompound> parse(std::span<const uint8_t> data) noexcept;

  size_t size() const noexcept { return count_; }
  const RtcpPacketView& operator[](size_t i) const noexcept { return packets_[i]; }
  const RtcpPacketView* begin() const noexcept { return packets_.data(); }
  const RtcpPacketView* end() const noexcept { return packets_.data() + count_; }

 private:
  std::array<RtcpPacketView, kMaxPackets> packets_{};
  size_t count_ = 0;
};

/// Reception report block (RFC 3550 §6.4.1), 24 bytes on the wire.
struct RtcpReportBlock {
  uint32_t ssrc = 0;              ///< source this block reports on
  uint8_t fractionLost = 0;       ///< lost fraction since the previous report, /256
  int32_t cumulativeLost = 0;     ///< 24-bit signed on the wire
  uint32_t highestSeq = 0;        ///< extended highest sequence number received
  uint32_t jitter = 0;            ///< interarrival jitter, RTP timestamp units
  uint32_t lastSr = 0;            ///< middle 32 bits of the last SR's NTP timestamp (LSR)
  uint32_t delaySinceLastSr = 0;  ///< DLSR, units of 1/65536 s
};

/// Maximum report blocks in one SR/RR: the 5-bit RC field.
inline constexpr size_t kMaxReportBlocks = 31;

struct RtcpSenderReport {
  uint32_t ssrc = 0;
  uint64_t ntpTimestamp = 0;  ///< NTP format: seconds since 1900 << 32 | fraction
  uint32_t rtpTimestamp = 0;  ///< same instant on the RTP clock
  uint32_t packetCount = 0;
  uint32_t octetCount = 0;  ///< payload octets
  std::array<RtcpReportBlock, kMaxReportBlocks> reports{};
  size_t reportCount = 0;
  static std::optional<RtcpSenderReport> parse(const RtcpPacketView& p) noexcept;
};

struct RtcpReceiverReport {
  uint32_t ssrc = 0;
  std::array<RtcpReportBlock, kMaxReportBlocks> reports{};
  size_t reportCount = 0;
  static std::optional<RtcpReceiverReport> parse(const RtcpPacketView& p) noexcept;
};

/// SDES (RFC 3550 §6.5). Validated on parse; items are walked with forEachItem().
class RtcpSdes {
 public:
  static constexpr uint8_t kCname = 1;
  static std::optional<RtcpSdes> parse(const RtcpPacketView& p) noexcept;
  /// Calls f(ssrc, itemType, std::string_view value) for each item of each chunk.
  template <typename F>
  void forEachItem(F&& f) const noexcept {
    walk(body_, count_, f);
  }
  /// The CNAME of `ssrc`, if present.
  std::optional<std::string_view> cname(uint32_t ssrc) const noexcept;
  size_t chunkCount() const noexcept { return count_; }

 private:
  template <typename F>
  static bool walk(std::span<const uint8_t> body, size_t chunks, F&& f) noexcept;
  std::span<const uint8_t> body_;
  size_t count_ = 0;
};

struct RtcpBye {
  std::array<uint32_t, kMaxReportBlocks> ssrcs{};
  size_t ssrcCount = 0;
  std::string_view reason;  ///< optional; points into the packet
  static std::optional<RtcpBye> parse(const RtcpPacketView& p) noexcept;
};

/// Builds a compound packet into a caller buffer. Each add* returns false (and writes nothing)
/// if the packet does not fit or its arguments are out of range.
class RtcpWriter {
 public:
  explicit RtcpWriter(std::span<uint8_t> out) noexcept : out_(out) {}
  bool addSenderReport(const RtcpSenderReport& sr) noexcept;
  bool addReceiverReport(const RtcpReceiverReport& rr) noexcept;
  /// One chunk with a CNAME item (RFC 3550 §6.5.1; ≤ 255 bytes).
  bool addSdesCname(uint32_t ssrc, std::string_view cname) noexcept;
  bool addBye(std::span<const uint32_t> ssrcs, std::string_view reason = {}) noexcept;
  size_t size() const noexcept { return size_; }
  std::span<const uint8_t> data() const noexcept { return out_.first(size_); }

 private:
  uint8_t* reserve(size_t bytes) noexcept;
  std::span<uint8_t> out_;
  size_t size_ = 0;
};

template <typename F>
bool RtcpSdes::walk(std::span<const uint8_t> b, size_t chunks, F&& f) noexcept {
  size_t off = 0;
  for (size_t c = 0; c < chunks; ++c) {
    if (off + 4 > b.size()) return false;
    uint32_t ssrc = (uint32_t{b[off]} << 24) | (uint32_t{b[off + 1]} << 16) |
                    (uint32_t{b[off + 2]} << 8) | uint32_t{b[off + 3]};
    off += 4;
    while (true) {
      if (off >= b.size()) return false;
      uint8_t type = b[off];
      if (type == 0) {  // end of list; the chunk is padded to a 32-bit boundary
        off = (off + 4) & ~size_t{3};
        break;
      }
      if (off + 2 > b.size()) return false;
      size_t len = b[off + 1];
      if (off + 2 + len > b.size()) return false;
      f(ssrc, type, std::string_view(reinterpret_cast<const char*>(b.data() + off + 2), len));
      off += 2 + len;
    }
    if (off > b.size()) return false;
  }
  return true;
}

}  // namespace parley::media
