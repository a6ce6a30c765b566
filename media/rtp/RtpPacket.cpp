#include "media/rtp/RtpPacket.hpp"

#include <algorithm>
#include <cstring>

namespace parley::media {

namespace {
constexpr uint8_t kVersion = 2;

uint16_t rd16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t rd32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
void wr16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void wr32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
}  // namespace

bool RtpPacket::isRtp(std::span<const uint8_t> data) noexcept {
  if (data.size() < kFixedHeaderSize) return false;
  if (data[0] < 128 || data[0] > 191) return false;
  uint8_t pt = data[1] & 0x7F;
  return pt < 64 || pt > 95;
}

std::optional<RtpPacket> RtpPacket::parse(std::span<const uint8_t> data) noexcept {
  if (data.size() < kFixedHeaderSize || data.size() > kMaxPacketSize) return std::nullopt;
  const uint8_t* p = data.data();
  if ((p[0] >> 6) != kVersion) return std::nullopt;
  RtpPacket pkt;
  const bool padding = (p[0] & 0x20) != 0;
  const bool extension = (p[0] & 0x10) != 0;
  const size_t cc = p[0] & 0x0F;
  pkt.marker_ = (p[1] & 0x80) != 0;
  pkt.payloadType_ = p[1] & 0x7F;
  pkt.seq_ = rd16(p + 2);
  pkt.timestamp_ = rd32(p + 4);
  pkt.ssrc_ = rd32(p + 8);
  size_t off = kFixedHeaderSize;
  if (data.size() < off + cc * 4) return std::nullopt;
  pkt.csrcBytes_ = data.subspan(off, cc * 4);
  off += cc * 4;
  if (extension) {
    if (data.size() < off + 4) return std::nullopt;
    pkt.hasExtension_ = true;
    pkt.extensionProfile_ = rd16(p + off);
    size_t words = rd16(p + off + 2);
    off += 4;
    if (data.size() < off + words * 4) return std::nullopt;
    pkt.extensionData_ = data.subspan(off, words * 4);
    off += words * 4;
    if (!pkt.walkExtensions([](const RtpExtensionElement&) { return true; })) return std::nullopt;
  }
  size_t end = data.size();
  if (padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    size_t pad = p[end - 1];
    if (pad == 0 || off + pad > end) return std::nullopt;
    pkt.padding_ = pad;
    end -= pad;
  }
  pkt.payload_ = data.subspan(off, end - off);
  pkt.size_ = data.size();
  return pkt;
}

uint32_t RtpPacket::csrc(size_t i) const noexcept {
  if (i >= csrcCount()) return 0;
  return rd32(csrcBytes_.data() + i * 4);
}

std::optional<std::span<const uint8_t>> RtpPacket::findExtension(uint8_t id) const noexcept {
  std::optional<std::span<const uint8_t>> found;
  walkExtensions([&](const RtpExtensionElement& e) {
    if (e.id != id) return true;
    found = e.data;
    return false;
  });
  return found;
}

size_t RtpPacket::serialize(const RtpHeader& h, std::span<const uint8_t> payload,
                            std::span<uint8_t> out) noexcept {
  if (h.payloadType > 127 || h.csrcs.size() > kMaxCsrcs) return 0;
  // Choose the one-byte form when every element fits it (RFC 8285 §4.2: id 1–14, 1–16 bytes).
  bool oneByte = true;
  size_t extBytes = 0;
  for (const auto& e : h.extensions) {
    if (e.id == 0) return 0;
    if (e.id > 14 || e.data.empty() || e.data.size() > 16) oneByte = false;
  }
  for (const auto& e : h.extensions) {
    if (!oneByte && e.data.size() > 255) return 0;
    extBytes += (oneByte ? 1 : 2) + e.data.size();
  }
  const size_t extPadded = (extBytes + 3) / 4 * 4;
  if (extPadded / 4 > 0xFFFF) return 0;
  const size_t headerSize =
      RtpPacket::kFixedHeaderSize + h.csrcs.size() * 4 + (h.extensions.empty() ? 0 : 4 + extPadded);
  const size_t total = headerSize + payload.size() + h.paddingBytes;
  if (total > out.size()) return 0;
  uint8_t* p = out.data();
  p[0] = static_cast<uint8_t>((kVersion << 6) | (h.paddingBytes ? 0x20 : 0) |
                              (h.extensions.empty() ? 0 : 0x10) | h.csrcs.size());
  p[1] = static_cast<uint8_t>((h.marker ? 0x80 : 0) | h.payloadType);
  wr16(p + 2, h.sequenceNumber);
  wr32(p + 4, h.timestamp);
  wr32(p + 8, h.ssrc);
  size_t off = kFixedHeaderSize;
  for (uint32_t c : h.csrcs) {
    wr32(p + off, c);
    off += 4;
  }
  if (!h.extensions.empty()) {
    wr16(p + off, oneByte ? kOneByteProfile : kTwoByteProfile);
    wr16(p + off + 2, static_cast<uint16_t>(extPadded / 4));
    off += 4;
    size_t start = off;
    for (const auto& e : h.extensions) {
      if (oneByte) {
        p[off++] = static_cast<uint8_t>((e.id << 4) | (e.data.size() - 1));
      } else {
        p[off++] = e.id;
        p[off++] = static_cast<uint8_t>(e.data.size());
      }
      if (!e.data.empty()) std::memcpy(p + off, e.data.data(), e.data.size());
      off += e.data.size();
    }
    std::fill(p + off, p + start + extPadded, uint8_t{0});
    off = start + extPadded;
  }
  if (!payload.empty()) std::memcpy(p + off, payload.data(), payload.size());
  off += payload.size();
  if (h.paddingBytes) {
    std::fill(p + off, p + off + h.paddingBytes - 1, uint8_t{0});
    p[off + h.paddingBytes - 1] = h.paddingBytes;
    off += h.paddingBytes;
  }
  return off;
}

}  // namespace parley::media
