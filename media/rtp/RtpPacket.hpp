#pragma once
// RTP fixed header, CSRCs, header extensions and padding (RFC 3550 §5.1, §5.3.1; RFC 8285 one-
// and two-byte extension elements). A parsed RtpPacket is a view: its spans point into the
// caller's buffer, which must outlive it. Nothing here allocates or throws.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace parley::media {

/// One RFC 8285 header extension element: local id (1–14 one-byte, 1–255 two-byte) and data.
struct RtpExtensionElement {
  uint8_t id = 0;
  std::span<const uint8_t> data;
};

/// What serialize() writes.
struct RtpHeader {
  bool marker = false;
  uint8_t payloadType = 0;  ///< 0–127
  uint16_t sequenceNumber = 0;
  uint32_t timestamp = 0;  ///< in the payload's RTP clock units
  uint32_t ssrc = 0;
  std::span<const uint32_t> csrcs;                  ///< at most 15 (CC is 4 bits)
  std::span<const RtpExtensionElement> extensions;  ///< one-byte form if all fit, else two-byte
  uint8_t paddingBytes = 0;                         ///< 0 or 1–255 padding octets (P bit)
};

class RtpPacket {
 public:
  static constexpr size_t kFixedHeaderSize = 12;
  static constexpr size_t kMaxCsrcs = 15;
  /// RFC 8285 §4.2: one-byte header profile "defined by profile" value.
  static constexpr uint16_t kOneByteProfile = 0xBEDE;
  /// RFC 8285 §4.3: two-byte header profile 0x100 in the top 12 bits, low 4 bits app-defined.
  static constexpr uint16_t kTwoByteProfile = 0x1000;
  /// Largest packet we accept: an Ethernet MTU. Anything bigger is not real-time audio.
  static constexpr size_t kMaxPacketSize = 1500;

  /// Cheap demux test (RFC 7983 §7: first byte 128–191) that also rejects RTCP packet types
  /// 192–223 in the second byte (RFC 5761 §4: RTP payload types 64–95 clash with RTCP).
  static bool isRtp(std::span<const uint8_t> data) noexcept;
  /// Parses and validates: version 2, lengths consistent, padding count ≤ remaining bytes,
  /// extension elements well formed. nullopt on anything else.
  static std::optional<RtpPacket> parse(std::span<const uint8_t> data) noexcept;
  /// Writes header + payload + padding into `out`. Returns bytes written, or 0 if it does not
  /// fit or the header is invalid (pt > 127, > 15 CSRCs, bad extension id/size).
  static size_t serialize(const RtpHeader& header, std::span<const uint8_t> payload,
                          std::span<uint8_t> out) noexcept;

  bool marker() const noexcept { return marker_; }
  uint8_t payloadType() const noexcept { return payloadType_; }
  uint16_t sequenceNumber() const noexcept { return seq_; }
  uint32_t timestamp() const noexcept { return timestamp_; }
  uint32_t ssrc() const noexcept { return ssrc_; }
  size_t csrcCount() const noexcept { return csrcBytes_.size() / 4; }
  uint32_t csrc(size_t i) const noexcept;
  bool hasExtension() const noexcept { return hasExtension_; }
  uint16_t extensionProfile() const noexcept { return extensionProfile_; }
  /// Raw extension data (after the 4-byte extension header).
  std::span<const uint8_t> extensionData() const noexcept { return extensionData_; }
  /// Data of RFC 8285 element `id`, if present (one- or two-byte form).
  std::optional<std::span<const uint8_t>> findExtension(uint8_t id) const noexcept;
  /// Calls f(RtpExtensionElement) for each RFC 8285 element, in order.
  template <typename F>
  void forEachExtension(F&& f) const noexcept;
  std::span<const uint8_t> payload() const noexcept { return payload_; }
  size_t paddingBytes() const noexcept { return padding_; }
  size_t size() const noexcept { return size_; }

 private:
  /// Walks RFC 8285 elements; returns false on a malformed list. `f` returns false to stop.
  template <typename F>
  bool walkExtensions(F&& f) const noexcept;

  bool marker_ = false;
  uint8_t payloadType_ = 0;
  uint16_t seq_ = 0;
  uint32_t timestamp_ = 0;
  uint32_t ssrc_ = 0;
  std::span<const uint8_t> csrcBytes_;
  bool hasExtension_ = false;
  uint16_t extensionProfile_ = 0;
  std::span<const uint8_t> extensionData_;
  std::span<const uint8_t> payload_;
  size_t padding_ = 0;
  size_t size_ = 0;
};

template <typename F>
bool RtpPacket::walkExtensions(F&& f) const noexcept {
  const auto& d = extensionData_;
  const bool oneByte = extensionProfile_ == kOneByteProfile;
  const bool twoByte = (extensionProfile_ & 0xFFF0) == kTwoByteProfile;
  if (!oneByte && !twoByte) return true;  // not RFC 8285: opaque profile-specific data
  size_t i = 0;
  while (i < d.size()) {
    if (d[i] == 0) {  // padding byte between elements
      ++i;
      continue;
    }
    uint8_t id = 0;
    size_t len = 0;
    if (oneByte) {
      id = static_cast<uint8_t>(d[i] >> 4);
      len = size_t{static_cast<uint8_t>(d[i] & 0x0F)} + 1;
      if (id == 15) return true;  // RFC 8285 §4.2: stop processing
      i += 1;
    } else {
      if (i + 2 > d.size()) return false;
      id = d[i];
      len = d[i + 1];
      i += 2;
    }
    if (i + len > d.size()) return false;
    if (!f(RtpExtensionElement{id, d.subspan(i, len)})) return true;
    i += len;
  }
  return true;
}

template <typename F>
void RtpPacket::forEachExtension(F&& f) const noexcept {
  walkExtensions([&](const RtpExtensionElement& e) {
    f(e);
    return true;
  });
}

}  // namespace parley::media
