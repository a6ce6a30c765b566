#include "media/rtp/RtcpPacket.hpp"

#include <cstring>

namespace parley::media {

namespace {
constexpr size_t kHeader = 4;
constexpr size_t kReportBlockSize = 24;
constexpr size_t kSenderInfoSize = 24;  // SSRC + NTP (8) + RTP ts + packets + octets

uint32_t rd32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
void wr32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
void writeHeader(uint8_t* p, uint8_t count, uint8_t type, size_t totalBytes) {
  p[0] = static_cast<uint8_t>(0x80 | count);
  p[1] = type;
  auto words = static_cast<uint16_t>(totalBytes / 4 - 1);
  p[2] = static_cast<uint8_t>(words >> 8);
  p[3] = static_cast<uint8_t>(words);
}

RtcpReportBlock readBlock(const uint8_t* p) {
  RtcpReportBlock b;
  b.ssrc = rd32(p);
  b.fractionLost = p[4];
  uint32_t lost = (uint32_t{p[5]} << 16) | (uint32_t{p[6]} << 8) | uint32_t{p[7]};
  // Sign-extend the 24-bit value (RFC 3550 §6.4.1: it may be negative with duplicates).
  b.cumulativeLost =
      (lost & 0x800000) ? static_cast<int32_t>(lost | 0xFF000000u) : static_cast<int32_t>(lost);
  b.highestSeq = rd32(p + 8);
  b.jitter = rd32(p + 12);
  b.lastSr = rd32(p + 16);
  b.delaySinceLastSr = rd32(p + 20);
  return b;
}

void writeBlock(uint8_t* p, const RtcpReportBlock& b) {
  wr32(p, b.ssrc);
  // Clamp to the 24-bit signed range.
  int32_t lost = b.cumulativeLost > 0x7FFFFF    ? 0x7FFFFF
                 : b.cumulativeLost < -0x800000 ? -0x800000
                                                : b.cumulativeLost;
  auto u = static_cast<uint32_t>(lost);
  p[4] = b.fractionLost;
  p[5] = static_cast<uint8_t>(u >> 16);
  p[6] = static_cast<uint8_t>(u >> 8);
  p[7] = static_cast<uint8_t>(u);
  wr32(p + 8, b.highestSeq);
  wr32(p + 12, b.jitter);
  wr32(p + 16, b.lastSr);
  wr32(p + 20, b.delaySinceLastSr);
}
}  // namespace

bool RtcpCompound::isRtcp(std::span<const uint8_t> data) noexcept {
  return data.size() >= kHeader && data[0] >= 128 && data[0] <= 191 && data[1] >= 192 &&
         data[1] <= 223;
}

std::optional<RtcpCompound> RtcpCompound::parse(std::span<const uint8_t> data) noexcept {
  if (data.size() < kHeader || data.size() > kMaxSize) return std::nullopt;
  RtcpCompound c;
  size_t off = 0;
  while (off < data.size()) {
    if (c.count_ == kMaxPackets) return std::nullopt;
    if (data.size() - off < kHeader) return std::nullopt;
    const uint8_t* p = data.data() + off;
    if ((p[0] >> 6) != 2) return std::nullopt;
    const bool padding = (p[0] & 0x20) != 0;
    const size_t len = (size_t{p[2]} << 8 | p[3]) * 4 + kHeader;
    if (off + len > data.size()) return std::nullopt;
    size_t bodyLen = len - kHeader;
    if (padding) {
      // RFC 3550 §6.4.1: only the last packet of a compound may be padded.
      if (off + len != data.size() || len == kHeader) return std::nullopt;
      size_t pad = p[len - 1];
      if (pad == 0 || pad > bodyLen) return std::nullopt;
      bodyLen -= pad;
    }
    c.packets_[c.count_++] = RtcpPacketView{static_cast<uint8_t>(p[0] & 0x1F), p[1],
                                            data.subspan(off + kHeader, bodyLen)};
    off += len;
  }
  return c;
}

std::optional<RtcpSenderReport> RtcpSenderReport::parse(const RtcpPacketView& v) noexcept {
  if (v.type != static_cast<uint8_t>(RtcpType::SR)) return std::nullopt;
  if (v.body.size() < kSenderInfoSize + v.count * kReportBlockSize) return std::nullopt;
  const uint8_t* p = v.body.data();
  RtcpSenderReport sr;
  sr.ssrc = rd32(p);
  sr.ntpTimestamp = (uint64_t{rd32(p + 4)} << 32) | rd32(p + 8);
  sr.rtpTimestamp = rd32(p + 12);
  sr.packetCount = rd32(p + 16);
  sr.octetCount = rd32(p + 20);
  sr.reportCount = v.count;
  for (size_t i = 0; i < v.count; ++i)
    sr.reports[i] = readBlock(p + kSenderInfoSize + i * kReportBlockSize);
  return sr;
}

std::optional<RtcpReceiverReport> RtcpReceiverReport::parse(const RtcpPacketView& v) noexcept {
  if (v.type != static_cast<uint8_t>(RtcpType::RR)) return std::nullopt;
  if (v.body.size() < 4 + v.count * kReportBlockSize) return std::nullopt;
  const uint8_t* p = v.body.data();
  RtcpReceiverReport rr;
  rr.ssrc = rd32(p);
  rr.reportCount = v.count;
  for (size_t i = 0; i < v.count; ++i) rr.reports[i] = readBlock(p + 4 + i * kReportBlockSize);
  return rr;
}

std::optional<RtcpSdes> RtcpSdes::parse(const RtcpPacketView& v) noexcept {
  if (v.type != static_cast<uint8_t>(RtcpType::SDES)) return std::nullopt;
  if (!walk(v.body, v.count, [](uint32_t, uint8_t, std::string_view) {})) return std::nullopt;
  RtcpSdes s;
  s.body_ = v.body;
  s.count_ = v.count;
  return s;
}

std::optional<std::string_view> RtcpSdes::cname(uint32_t ssrc) const noexcept {
  std::optional<std::string_view> found;
  forEachItem([&](uint32_t s, uint8_t type, std::string_view value) {
    if (!found && s == ssrc && type == kCname) found = value;
  });
  return found;
}

std::optional<RtcpBye> RtcpBye::parse(const RtcpPacketView& v) noexcept {
  if (v.type != static_cast<uint8_t>(RtcpType::BYE)) return std::nullopt;
  if (v.body.size() < v.count * size_t{4}) return std::nullopt;
  RtcpBye bye;
  bye.ssrcCount = v.count;
  for (size_t i = 0; i < v.count; ++i) bye.ssrcs[i] = rd32(v.body.data() + 4 * i);
  size_t off = v.count * size_t{4};
  if (off < v.body.size()) {
    size_t len = v.body[off];
    if (off + 1 + len > v.body.size()) return std::nullopt;
    bye.reason = std::string_view(reinterpret_cast<const char*>(v.body.data() + off + 1), len);
  }
  return bye;
}

uint8_t* RtcpWriter::reserve(size_t bytes) noexcept {
  if (out_.size() - size_ < bytes) return nullptr;
  uint8_t* p = out_.data() + size_;
  size_ += bytes;
  return p;
}

bool RtcpWriter::addSenderReport(const RtcpSenderReport& sr) noexcept {
  if (sr.reportCount > kMaxReportBlocks) return false;
  size_t len = kHeader + kSenderInfoSize + sr.reportCount * kReportBlockSize;
  uint8_t* p = reserve(len);
  if (!p) return false;
  writeHeader(p, static_cast<uint8_t>(sr.reportCount), static_cast<uint8_t>(RtcpType::SR), len);
  wr32(p + 4, sr.ssrc);
  wr32(p + 8, static_cast<uint32_t>(sr.ntpTimestamp >> 32));
  wr32(p + 12, static_cast<uint32_t>(sr.ntpTimestamp));
  wr32(p + 16, sr.rtpTimestamp);
  wr32(p + 20, sr.packetCount);
  wr32(p + 24, sr.octetCount);
  for (size_t i = 0; i < sr.reportCount; ++i)
    writeBlock(p + kHeader + kSenderInfoSize + i * kReportBlockSize, sr.reports[i]);
  return true;
}

bool RtcpWriter::addReceiverReport(const RtcpReceiverReport& rr) noexcept {
  if (rr.reportCount > kMaxReportBlocks) return false;
  size_t len = kHeader + 4 + rr.reportCount * kReportBlockSize;
  uint8_t* p = reserve(len);
  if (!p) return false;
  writeHeader(p, static_cast<uint8_t>(rr.reportCount), static_cast<uint8_t>(RtcpType::RR), len);
  wr32(p + 4, rr.ssrc);
  for (size_t i = 0; i < rr.reportCount; ++i)
    writeBlock(p + 8 + i * kReportBlockSize, rr.reports[i]);
  return true;
}

bool RtcpWriter::addSdesCname(uint32_t ssrc, std::string_view cname) noexcept {
  if (cname.size() > 255) return false;
  // SSRC + type + length + text + at least one null, padded to 32 bits (RFC 3550 §6.5).
  size_t chunk = (4 + 2 + cname.size() + 1 + 3) & ~size_t{3};
  size_t len = kHeader + chunk;
  uint8_t* p = reserve(len);
  if (!p) return false;
  std::memset(p, 0, len);
  writeHeader(p, 1, static_cast<uint8_t>(RtcpType::SDES), len);
  wr32(p + 4, ssrc);
  p[8] = RtcpSdes::kCname;
  p[9] = static_cast<uint8_t>(cname.size());
  if (!cname.empty()) std::memcpy(p + 10, cname.data(), cname.size());
  return true;
}

bool RtcpWriter::addBye(std::span<const uint32_t> ssrcs, std::string_view reason) noexcept {
  if (ssrcs.size() > kMaxReportBlocks || reason.size() > 255) return false;
  size_t body = ssrcs.size() * 4 + (reason.empty() ? 0 : (1 + reason.size() + 3) & ~size_t{3});
  size_t len = kHeader + body;
  uint8_t* p = reserve(len);
  if (!p) return false;
  std::memset(p, 0, len);
  writeHeader(p, static_cast<uint8_t>(ssrcs.size()), static_cast<uint8_t>(RtcpType::BYE), len);
  for (size_t i = 0; i < ssrcs.size(); ++i) wr32(p + 4 + 4 * i, ssrcs[i]);
  if (!reason.empty()) {
    uint8_t* r = p + 4 + ssrcs.size() * 4;
    r[0] = static_cast<uint8_t>(reason.size());
    std::memcpy(r + 1, reason.data(), reason.size());
  }
  return true;
}

}  // namespace parley::media
