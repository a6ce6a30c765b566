#pragma once
// STUN messages as ICE-lite needs them (RFC 8489, formerly RFC 5389; ICE attributes RFC 8445
// §16.1): parse a Binding request, verify MESSAGE-INTEGRITY (HMAC-SHA1, short-term credential)
// and FINGERPRINT (CRC-32 xor 0x5354554e), and build Binding success / error responses with
// XOR-MAPPED-ADDRESS. A parsed StunMessage is a view into the caller's buffer. No heap, no
// exceptions: this runs per packet on the media loop.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/SocketAddress.hpp"

namespace parley::media {

/// RFC 8489 §5: the fixed value in bytes 4–7 of every STUN message.
inline constexpr uint32_t kStunMagicCookie = 0x2112A442;

enum class StunClass : uint8_t { Request = 0, Indication = 1, Success = 2, Error = 3 };

/// Attribute types used here (RFC 8489 §18.3, RFC 8445 §16.1, draft-thatcher-ice-renomination).
enum class StunAttr : uint16_t {
  Username = 0x0006,
  MessageIntegrity = 0x0008,
  ErrorCode = 0x0009,
  XorMappedAddress = 0x0020,
  Priority = 0x0024,
  UseCandidate = 0x0025,
  Software = 0x8022,
  Fingerprint = 0x8028,
  IceControlled = 0x8029,
  IceControlling = 0x802A,
  Nomination = 0xC001,
};

class StunMessage {
 public:
  static constexpr size_t kHeaderSize = 20;
  /// Binding method (RFC 8489 §18.2).
  static constexpr uint16_t kBindingMethod = 0x001;
  /// Largest message accepted: a STUN check is ~100 bytes; an Ethernet MTU bounds the rest.
  static constexpr size_t kMaxSize = 1500;
  /// RFC 8489 §14.3: USERNAME is < 513 bytes.
  static constexpr size_t kMaxUsername = 512;

  /// Cheap demux test (RFC 7983 §7 + RFC 8489 §6): first byte 0–3, ≥ 20 bytes, magic cookie.
  static bool isStun(std::span<const uint8_t> data) noexcept;
  /// Validates header and attribute framing (length multiple of 4, TLVs inside the message,
  /// FINGERPRINT last, nothing but FINGERPRINT after MESSAGE-INTEGRITY). nullopt on garbage.
  static std::optional<StunMessage> parse(std::span<const uint8_t> data) noexcept;

  StunClass messageClass() const noexcept { return class_; }
  uint16_t method() const noexcept { return method_; }
  std::span<const uint8_t, 12> transactionId() const noexcept {
    return std::span<const uint8_t, 12>(data_.data() + 8, 12);
  }
  std::string_view username() const noexcept { return username_; }
  bool hasUsername() const noexcept { return hasUsername_; }
  std::optional<uint32_t> priority() const noexcept { return priority_; }
  bool useCandidate() const noexcept { return useCandidate_; }
  bool iceControlling() const noexcept { return controlling_; }
  bool iceControlled() const noexcept { return controlled_; }
  std::optional<uint32_t> nomination() const noexcept { return nomination_; }
  bool hasMessageIntegrity() const noexcept { return miOffset_ != 0; }
  bool hasFingerprint() const noexcept { return fpOffset_ != 0; }
  std::optional<uint16_t> errorCode() const noexcept { return errorCode_; }
  /// XOR-MAPPED-ADDRESS decoded (RFC 8489 §14.2), if present and well formed.
  std::optional<core::SocketAddress> xorMappedAddress() const noexcept;

  /// RFC 8489 §14.5: HMAC-SHA1 keyed with `key` (the ICE password) over the message up to the
  /// MESSAGE-INTEGRITY attribute, with the header length covering it. False if absent.
  bool checkIntegrity(std::string_view key) const noexcept;
  /// RFC 8489 §14.7: CRC-32 of the message up to FINGERPRINT, xor 0x5354554e. False if absent.
  bool checkFingerprint() const noexcept;

  std::span<const uint8_t> bytes() const noexcept { return data_; }

 private:
  std::span<const uint8_t> data_;
  StunClass class_ = StunClass::Request;
  uint16_t method_ = 0;
  std::string_view username_;
  bool hasUsername_ = false;
  std::optional<uint32_t> priority_;
  std::optional<uint32_t> nomination_;
  std::optional<uint16_t> errorCode_;
  bool useCandidate_ = false;
  bool controlling_ = false;
  bool controlled_ = false;
  size_t miOffset_ = 0;  ///< offset of the MESSAGE-INTEGRITY attribute header, 0 = none
  size_t fpOffset_ = 0;  ///< offset of the FINGERPRINT attribute header, 0 = none
  size_t xorOffset_ = 0;
};

/// Writes one STUN message into a caller buffer: header first, then attributes in call order,
/// then (optionally) MESSAGE-INTEGRITY and FINGERPRINT, which fix up the header length.
/// Every add returns false (and the builder stays unusable) if `out` is too small.
class StunBuilder {
 public:
  StunBuilder(std::span<uint8_t> out, StunClass cls, uint16_t method,
              std::span<const uint8_t, 12> transactionId) noexcept;
  bool addXorMappedAddress(const core::SocketAddress& address) noexcept;
  /// RFC 8489 §14.8: class = code / 100, number = code % 100, UTF-8 reason.
  bool addErrorCode(uint16_t code, std::string_view reason) noexcept;
  bool addString(StunAttr type, std::string_view value) noexcept;
  bool addUint32(StunAttr type, uint32_t value) noexcept;
  bool addUint64(StunAttr type, uint64_t value) noexcept;
  bool addFlag(StunAttr type) noexcept;
  bool addMessageIntegrity(std::string_view key) noexcept;
  bool addFingerprint() noexcept;
  /// Bytes written so far (0 if any add failed).
  size_t size() const noexcept { return ok_ ? size_ : 0; }

 private:
  bool addRaw(StunAttr type, std::span<const uint8_t> value) noexcept;
  void setLength(size_t bodyBytes) noexcept;

  std::span<uint8_t> out_;
  size_t size_ = 0;
  bool ok_ = true;
};

/// CRC-32 (ISO-HDLC, the one in zlib and RFC 1952) of `data`.
uint32_t stunCrc32(std::span<const uint8_t> data) noexcept;

}  // namespace parley::media
