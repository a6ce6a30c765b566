// STUN parse/verify/build against the RFC 5769 test vectors (§2.1 request, §2.2 IPv4 response,
// §2.3 IPv6 response) and hostile inputs.
#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "media/webrtc/StunMessage.hpp"

using namespace parley;
using namespace parley::media;

namespace {

// RFC 5769 §2.1 Sample Request (USERNAME "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt").
const std::vector<uint8_t> kRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

// RFC 5769 §2.2 Sample IPv4 Response: XOR-MAPPED-ADDRESS 192.0.2.1:32853.
const std::vector<uint8_t> kResponseV4 = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

// RFC 5769 §2.3 Sample IPv6 Response: XOR-MAPPED-ADDRESS
// [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const std::vector<uint8_t> kResponseV6 = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

constexpr std::string_view kPassword = "VOkJxbRl1RmTxUk/WvJxBt";

}  // namespace

TEST_CASE("RFC 5769 sample request parses and verifies") {
  REQUIRE(StunMessage::isStun(kRequest));
  auto m = StunMessage::parse(kRequest);
  REQUIRE(m);
  CHECK(m->messageClass() == StunClass::Request);
  CHECK(m->method() == StunMessage::kBindingMethod);
  CHECK(m->username() == "evtj:h6vY");
  REQUIRE(m->priority());
  CHECK(*m->priority() == 0x6e0001ffu);
  CHECK(m->iceControlled());
  CHECK_FALSE(m->iceControlling());
  CHECK_FALSE(m->useCandidate());
  CHECK(m->checkFingerprint());
  CHECK(m->checkIntegrity(kPassword));
  CHECK_FALSE(m->checkIntegrity("wrong password"));
}

TEST_CASE("RFC 5769 IPv4 response gives the mapped address") {
  auto m = StunMessage::parse(kResponseV4);
  REQUIRE(m);
  CHECK(m->messageClass() == StunClass::Success);
  CHECK(m->checkFingerprint());
  CHECK(m->checkIntegrity(kPassword));
  auto a = m->xorMappedAddress();
  REQUIRE(a);
  CHECK(a->toString() == "192.0.2.1:32853");
}

TEST_CASE("RFC 5769 IPv6 response gives the mapped address") {
  auto m = StunMessage::parse(kResponseV6);
  REQUIRE(m);
  CHECK(m->checkFingerprint());
  CHECK(m->checkIntegrity(kPassword));
  auto a = m->xorMappedAddress();
  REQUIRE(a);
  CHECK(a->toString() == "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
}

TEST_CASE("a single flipped bit breaks integrity or fingerprint") {
  for (size_t i = 20; i < kRequest.size(); ++i) {
    auto bytes = kRequest;
    bytes[i] ^= 0x01;
    auto m = StunMessage::parse(bytes);
    if (!m) continue;  // framing broke: rejected outright, also fine
    CHECK_FALSE((m->checkFingerprint() && m->checkIntegrity(kPassword)));
  }
}

TEST_CASE("the builder reproduces the RFC 5769 IPv4 response byte for byte") {
  std::array<uint8_t, 128> out{};
  auto txid = std::span<const uint8_t, 12>(kResponseV4.data() + 8, 12);
  StunBuilder b(out, StunClass::Success, StunMessage::kBindingMethod, txid);
  CHECK(b.addString(StunAttr::Software, "test vector"));
  // RFC 5769 pads SOFTWARE with a space, not zero; write the same padding for a bit-exact check.
  out[20 + 4 + 11] = 0x20;
  auto addr = core::SocketAddress::parse("192.0.2.1:32853");
  REQUIRE(addr);
  CHECK(b.addXorMappedAddress(*addr));
  CHECK(b.addMessageIntegrity(kPassword));
  CHECK(b.addFingerprint());
  REQUIRE(b.size() == kResponseV4.size());
  CHECK(std::equal(kResponseV4.begin(), kResponseV4.end(), out.begin()));
}

TEST_CASE("builder output parses back with every attribute") {
  std::array<uint8_t, 256> out{};
  const std::array<uint8_t, 12> txid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  StunBuilder b(out, StunClass::Request, StunMessage::kBindingMethod, txid);
  b.addString(StunAttr::Username, "abcd:efgh");
  b.addUint32(StunAttr::Priority, 1853824767);
  b.addUint64(StunAttr::IceControlling, 0x1122334455667788ull);
  b.addFlag(StunAttr::UseCandidate);
  b.addMessageIntegrity("secret-password-1234");
  b.addFingerprint();
  REQUIRE(b.size() > 0);
  auto m = StunMessage::parse(std::span<const uint8_t>(out.data(), b.size()));
  REQUIRE(m);
  CHECK(m->username() == "abcd:efgh");
  CHECK(*m->priority() == 1853824767u);
  CHECK(m->iceControlling());
  CHECK(m->useCandidate());
  CHECK(m->checkIntegrity("secret-password-1234"));
  CHECK(m->checkFingerprint());
  CHECK(std::equal(txid.begin(), txid.end(), m->transactionId().begin()));
}

TEST_CASE("error responses carry the code") {
  std::array<uint8_t, 128> out{};
  const std::array<uint8_t, 12> txid{};
  StunBuilder b(out, StunClass::Error, StunMessage::kBindingMethod, txid);
  b.addErrorCode(487, "Role Conflict");
  b.addFingerprint();
  auto m = StunMessage::parse(std::span<const uint8_t>(out.data(), b.size()));
  REQUIRE(m);
  CHECK(m->messageClass() == StunClass::Error);
  REQUIRE(m->errorCode());
  CHECK(*m->errorCode() == 487);
}

TEST_CASE("hostile STUN input is rejected") {
  CHECK_FALSE(StunMessage::parse({}));
  auto truncated = kRequest;
  truncated.resize(kRequest.size() - 4);
  CHECK_FALSE(StunMessage::parse(truncated));  // header length no longer matches
  auto badCookie = kRequest;
  badCookie[4] = 0;
  CHECK_FALSE(StunMessage::isStun(badCookie));
  CHECK_FALSE(StunMessage::parse(badCookie));
  auto longAttr = kRequest;
  longAttr[22] = 0x7f;  // SOFTWARE length runs past the end
  CHECK_FALSE(StunMessage::parse(longAttr));
  auto oddLength = kRequest;
  oddLength[3] = 0x57;
  CHECK_FALSE(StunMessage::parse(oddLength));
  // A builder that runs out of room reports 0 instead of writing past the buffer.
  std::array<uint8_t, 30> tiny{};
  const std::array<uint8_t, 12> txid{};
  StunBuilder b(tiny, StunClass::Request, StunMessage::kBindingMethod, txid);
  CHECK_FALSE(b.addString(StunAttr::Username, "a-long-username-that-does-not-fit"));
  CHECK(b.size() == 0);
}
