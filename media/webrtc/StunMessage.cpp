#include "media/webrtc/StunMessage.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

namespace parley::media {
namespace {

constexpr uint32_t kFingerprintXor = 0x5354554e;  // RFC 8489 §14.7 ("STUN")
constexpr size_t kMiSize = 20;                    // HMAC-SHA1 output
constexpr size_t kAttrHeader = 4;

uint16_t rd16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t rd32(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
void wr16(uint8_t* p, uint16_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void wr32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
size_t padded(size_t n) noexcept {
  return (n + 3) & ~size_t{3};
}

// RFC 8489 §5: the method bits are interleaved with the two class bits C1 (bit 8) and C0 (bit 4).
uint16_t messageType(StunClass cls, uint16_t method) noexcept {
  const auto c = static_cast<uint16_t>(cls);
  return static_cast<uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) |
                               ((method & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
}

// HMAC-SHA1 of the message prefix [0, end) with the header length replaced by `length`
// (RFC 8489 §14.5: the length must already count the MESSAGE-INTEGRITY attribute).
bool hmacSha1(std::span<const uint8_t> msg, size_t end, uint16_t length, std::string_view key,
              uint8_t* out) noexcept {
  // Copy the prefix so the length field can be patched (HMAC_CTX is deprecated in OpenSSL 3;
  // the one-shot HMAC() is not). Bounded by kMaxSize, on the stack: no heap per packet.
  uint8_t buf[StunMessage::kMaxSize];
  if (end > sizeof(buf) || end < StunMessage::kHeaderSize) return false;
  std::memcpy(buf, msg.data(), end);
  wr16(buf + 2, length);
  unsigned len = 0;
  return HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), buf, end, out, &len) !=
             nullptr &&
         len == kMiSize;
}

}  // namespace

uint32_t stunCrc32(std::span<const uint8_t> data) noexcept {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

bool StunMessage::isStun(std::span<const uint8_t> data) noexcept {
  return data.size() >= kHeaderSize && data[0] < 4 && rd32(data.data() + 4) == kStunMagicCookie;
}

std::optional<StunMessage> StunMessage::parse(std::span<const uint8_t> data) noexcept {
  if (!isStun(data) || data.size() > kMaxSize) return std::nullopt;
  const uint16_t type = rd16(data.data());
  if ((type & 0xC000) != 0) return std::nullopt;
  const size_t length = rd16(data.data() + 2);
  if (length % 4 != 0 || kHeaderSize + length != data.size()) return std::nullopt;

  StunMessage m;
  m.data_ = data;
  m.class_ = static_cast<StunClass>(((type >> 4) & 1) | ((type >> 7) & 2));
  m.method_ =
      static_cast<uint16_t>((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
  size_t pos = kHeaderSize;
  while (pos < data.size()) {
    if (pos + kAttrHeader > data.size()) return std::nullopt;
    const uint16_t at = rd16(data.data() + pos);
    const size_t len = rd16(data.data() + pos + 2);
    const size_t valueAt = pos + kAttrHeader;
    if (valueAt + len > data.size()) return std::nullopt;
    if (m.fpOffset_ != 0) return std::nullopt;  // nothing may follow FINGERPRINT
    if (m.miOffset_ != 0 && at != static_cast<uint16_t>(StunAttr::Fingerprint)) {
      // RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY (other than FINGERPRINT) are
      // ignored; skip them rather than letting them change what was authenticated.
      pos = valueAt + padded(len);
      continue;
    }
    const uint8_t* v = data.data() + valueAt;
    switch (static_cast<StunAttr>(at)) {
      case StunAttr::Username:
        if (len > kMaxUsername) return std::nullopt;
        m.username_ = std::string_view(reinterpret_cast<const char*>(v), len);
        m.hasUsername_ = true;
        break;
      case StunAttr::MessageIntegrity:
        if (len != kMiSize) return std::nullopt;
        m.miOffset_ = pos;
        break;
      case StunAttr::Fingerprint:
        if (len != 4) return std::nullopt;
        m.fpOffset_ = pos;
        break;
      case StunAttr::Priority:
        if (len != 4) return std::nullopt;
        m.priority_ = rd32(v);
        break;
      case StunAttr::Nomination:
        if (len != 4) return std::nullopt;
        m.nomination_ = rd32(v);
        break;
      case StunAttr::UseCandidate:
        m.useCandidate_ = true;
        break;
      case StunAttr::IceControlling:
        m.controlling_ = true;
        break;
      case StunAttr::IceControlled:
        m.controlled_ = true;
        break;
      case StunAttr::ErrorCode:
        if (len < 4) return std::nullopt;
        m.errorCode_ = static_cast<uint16_t>((v[2] & 0x07) * 100 + v[3]);
        break;
      case StunAttr::XorMappedAddress:
        if (len != 8 && len != 20) return std::nullopt;
        m.xorOffset_ = pos;
        break;
      default:
        break;  // comprehension-optional or unknown: ignored (a lite server needs no more)
    }
    pos = valueAt + padded(len);
  }
  if (pos != data.size()) return std::nullopt;
  return m;
}

std::optional<core::SocketAddress> StunMessage::xorMappedAddress() const noexcept {
  if (xorOffset_ == 0) return std::nullopt;
  const uint8_t* v = data_.data() + xorOffset_ + kAttrHeader;
  const size_t len = rd16(data_.data() + xorOffset_ + 2);
  const uint16_t port = static_cast<uint16_t>(rd16(v + 2) ^ (kStunMagicCookie >> 16));
  if (v[1] == 0x01 && len == 8) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    const uint32_t ip = rd32(v + 4) ^ kStunMagicCookie;
    sin.sin_addr.s_addr = htonl(ip);
    return core::SocketAddress(reinterpret_cast<const sockaddr*>(&sin));
  }
  if (v[1] == 0x02 && len == 20) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    uint8_t key[16];
    wr32(key, kStunMagicCookie);
    std::memcpy(key + 4, data_.data() + 8, 12);
    for (int i = 0; i < 16; ++i) sin6.sin6_addr.s6_addr[i] = v[4 + i] ^ key[i];
    return core::SocketAddress(reinterpret_cast<const sockaddr*>(&sin6));
  }
  return std::nullopt;
}

bool StunMessage::checkIntegrity(std::string_view key) const noexcept {
  if (miOffset_ == 0) return false;
  uint8_t mac[kMiSize];
  const auto length = static_cast<uint16_t>(miOffset_ + kAttrHeader + kMiSize - kHeaderSize);
  if (!hmacSha1(data_, miOffset_, length, key, mac)) return false;
  // Constant-time compare: the MAC guards the ICE password.
  return CRYPTO_memcmp(mac, data_.data() + miOffset_ + kAttrHeader, kMiSize) == 0;
}

bool StunMessage::checkFingerprint() const noexcept {
  if (fpOffset_ == 0) return false;
  const uint32_t want = stunCrc32(data_.first(fpOffset_)) ^ kFingerprintXor;
  return rd32(data_.data() + fpOffset_ + kAttrHeader) == want;
}

StunBuilder::StunBuilder(std::span<uint8_t> out, StunClass cls, uint16_t method,
                         std::span<const uint8_t, 12> transactionId) noexcept
    : out_(out) {
  if (out.size() < StunMessage::kHeaderSize) {
    ok_ = false;
    return;
  }
  wr16(out.data(), messageType(cls, method));
  wr16(out.data() + 2, 0);
  wr32(out.data() + 4, kStunMagicCookie);
  std::memcpy(out.data() + 8, transactionId.data(), 12);
  size_ = StunMessage::kHeaderSize;
}

void StunBuilder::setLength(size_t bodyBytes) noexcept {
  wr16(out_.data() + 2, static_cast<uint16_t>(bodyBytes));
}

bool StunBuilder::addRaw(StunAttr type, std::span<const uint8_t> value) noexcept {
  if (!ok_ || value.size() > 0xFFFF || size_ + kAttrHeader + padded(value.size()) > out_.size()) {
    ok_ = false;
    return false;
  }
  uint8_t* p = out_.data() + size_;
  wr16(p, static_cast<uint16_t>(type));
  wr16(p + 2, static_cast<uint16_t>(value.size()));
  if (!value.empty()) std::memcpy(p + kAttrHeader, value.data(), value.size());
  std::memset(p + kAttrHeader + value.size(), 0, padded(value.size()) - value.size());
  size_ += kAttrHeader + padded(value.size());
  setLength(size_ - StunMessage::kHeaderSize);
  return true;
}

bool StunBuilder::addXorMappedAddress(const core::SocketAddress& address) noexcept {
  uint8_t v[20] = {};
  const uint16_t port = static_cast<uint16_t>(address.port() ^ (kStunMagicCookie >> 16));
  if (address.family() == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(address.sa());
    v[1] = 0x01;
    wr16(v + 2, port);
    wr32(v + 4, ntohl(sin->sin_addr.s_addr) ^ kStunMagicCookie);
    return addRaw(StunAttr::XorMappedAddress, std::span<const uint8_t>(v, 8));
  }
  if (address.family() == AF_INET6 && ok_) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(address.sa());
    v[1] = 0x02;
    wr16(v + 2, port);
    uint8_t key[16];
    wr32(key, kStunMagicCookie);
    std::memcpy(key + 4, out_.data() + 8, 12);
    for (int i = 0; i < 16; ++i) v[4 + i] = sin6->sin6_addr.s6_addr[i] ^ key[i];
    return addRaw(StunAttr::XorMappedAddress, std::span<const uint8_t>(v, 20));
  }
  ok_ = false;
  return false;
}

bool StunBuilder::addErrorCode(uint16_t code, std::string_view reason) noexcept {
  uint8_t v[4 + 128] = {};
  const size_t n = std::min(reason.size(), size_t{128});  // RFC 8489 §14.8: < 128 characters
  v[2] = static_cast<uint8_t>(code / 100);
  v[3] = static_cast<uint8_t>(code % 100);
  std::memcpy(v + 4, reason.data(), n);
  return addRaw(StunAttr::ErrorCode, std::span<const uint8_t>(v, 4 + n));
}

bool StunBuilder::addString(StunAttr type, std::string_view value) noexcept {
  return addRaw(
      type, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
}

bool StunBuilder::addUint32(StunAttr type, uint32_t value) noexcept {
  uint8_t v[4];
  wr32(v, value);
  return addRaw(type, v);
}

bool StunBuilder::addUint64(StunAttr type, uint64_t value) noexcept {
  uint8_t v[8];
  wr32(v, static_cast<uint32_t>(value >> 32));
  wr32(v + 4, static_cast<uint32_t>(value));
  return addRaw(type, v);
}

bool StunBuilder::addFlag(StunAttr type) noexcept {
  return addRaw(type, {});
}

bool StunBuilder::addMessageIntegrity(std::string_view key) noexcept {
  if (!ok_ || size_ + kAttrHeader + kMiSize > out_.size()) {
    ok_ = false;
    return false;
  }
  const size_t miAt = size_;
  uint8_t zero[kMiSize] = {};
  if (!addRaw(StunAttr::MessageIntegrity, zero)) return false;
  const auto length = static_cast<uint16_t>(size_ - StunMessage::kHeaderSize);
  if (!hmacSha1(std::span<const uint8_t>(out_.data(), size_), miAt, length, key,
                out_.data() + miAt + kAttrHeader)) {
    ok_ = false;
    return false;
  }
  return true;
}

bool StunBuilder::addFingerprint() noexcept {
  if (!ok_ || size_ + kAttrHeader + 4 > out_.size()) {
    ok_ = false;
    return false;
  }
  const size_t fpAt = size_;
  setLength(size_ + kAttrHeader + 4 - StunMessage::kHeaderSize);
  const uint32_t crc = stunCrc32(std::span<const uint8_t>(out_.data(), fpAt)) ^ kFingerprintXor;
  return addUint32(StunAttr::Fingerprint, crc);
}

}  // namespace parley::media
