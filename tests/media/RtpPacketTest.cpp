#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "media/rtp/RtpPacket.hpp"
#include "media/rtp/SequenceUnwrapper.hpp"
#include "tests/media/Fixtures.hpp"

using namespace parley::media;

TEST_CASE("RTP parses real PCMA packets captured by sipp (g711a.pcap - 30 ms ptime)") {
  auto packets = test::readHexPackets("sipp_g711a.rtphex");
  REQUIRE(packets.size() == 60);
  auto first = RtpPacket::parse(packets[0]);
  REQUIRE(first);
  CHECK(RtpPacket::isRtp(packets[0]));
  CHECK(first->marker());
  CHECK(first->payloadType() == 8);
  CHECK(first->sequenceNumber() == 0xE6FD);
  CHECK(first->timestamp() == 0xF0);
  CHECK(first->ssrc() == 0xDEE0EE8Fu);
  CHECK(first->payload().size() == 240);
  CHECK_FALSE(first->hasExtension());
  uint16_t seq = first->sequenceNumber();
  uint32_t ts = first->timestamp();
  for (size_t i = 1; i < packets.size(); ++i) {
    auto p = RtpPacket::parse(packets[i]);
    REQUIRE(p);
    CHECK_FALSE(p->marker());
    CHECK(p->sequenceNumber() == static_cast<uint16_t>(seq + i));
    CHECK(p->timestamp() == ts + 240 * i);
    CHECK(p->payload().size() == 240);
  }
}

TEST_CASE("RTP serialize → parse round trip with CSRCs - one-byte extensions and padding") {
  std::array<uint32_t, 2> csrcs = {0x11111111, 0x22222222};
  std::array<uint8_t, 1> audioLevel = {0x85};
  std::array<uint8_t, 3> absSend = {1, 2, 3};
  std::array<RtpExtensionElement, 2> ext = {RtpExtensionElement{1, audioLevel},
                                            RtpExtensionElement{3, absSend}};
  std::array<uint8_t, 5> payload = {9, 8, 7, 6, 5};
  RtpHeader h{.marker = true,
              .payloadType = 111,
              .sequenceNumber = 65535,
              .timestamp = 0xFFFFFF00,
              .ssrc = 0xCAFEBABE,
              .csrcs = csrcs,
              .extensions = ext,
              .paddingBytes = 3};
  std::array<uint8_t, 128> buf{};
  size_t n = RtpPacket::serialize(h, payload, buf);
  // 12 + 8 CSRC + 4 ext header + (2+4 → 8) ext + 5 payload + 3 padding
  CHECK(n == 12 + 8 + 4 + 8 + 5 + 3);
  auto p = RtpPacket::parse(std::span<const uint8_t>(buf.data(), n));
  REQUIRE(p);
  CHECK(p->marker());
  CHECK(p->payloadType() == 111);
  CHECK(p->sequenceNumber() == 65535);
  CHECK(p->timestamp() == 0xFFFFFF00);
  CHECK(p->csrcCount() == 2);
  CHECK(p->csrc(1) == 0x22222222);
  CHECK(p->extensionProfile() == RtpPacket::kOneByteProfile);
  auto lvl = p->findExtension(1);
  REQUIRE(lvl);
  CHECK((*lvl)[0] == 0x85);
  auto abs = p->findExtension(3);
  REQUIRE(abs);
  CHECK(abs->size() == 3);
  CHECK_FALSE(p->findExtension(2));
  CHECK(p->paddingBytes() == 3);
  REQUIRE(p->payload().size() == 5);
  CHECK(p->payload()[4] == 5);
  int count = 0;
  p->forEachExtension([&](const RtpExtensionElement&) { ++count; });
  CHECK(count == 2);
}

TEST_CASE("RTP two-byte extensions are chosen for ids > 14 or long data - and parse back") {
  std::vector<uint8_t> big(20, 0xAB);
  std::array<uint8_t, 0> empty{};
  std::array<RtpExtensionElement, 2> ext = {RtpExtensionElement{200, big},
                                            RtpExtensionElement{5, empty}};
  RtpHeader h{.payloadType = 0, .sequenceNumber = 1, .timestamp = 2, .ssrc = 3, .extensions = ext};
  std::array<uint8_t, 128> buf{};
  std::array<uint8_t, 1> payload{0};
  size_t n = RtpPacket::serialize(h, payload, buf);
  REQUIRE(n > 0);
  auto p = RtpPacket::parse(std::span<const uint8_t>(buf.data(), n));
  REQUIRE(p);
  CHECK((p->extensionProfile() & 0xFFF0) == RtpPacket::kTwoByteProfile);
  auto e = p->findExtension(200);
  REQUIRE(e);
  CHECK(e->size() == 20);
  auto z = p->findExtension(5);
  REQUIRE(z);
  CHECK(z->empty());
}

TEST_CASE("RTP parse rejects malformed packets") {
  std::array<uint8_t, 12> hdr = {0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  CHECK(RtpPacket::parse(hdr));  // empty payload is still a valid packet
  CHECK_FALSE(RtpPacket::parse(std::span<const uint8_t>(hdr.data(), 11)));
  auto v1 = hdr;
  v1[0] = 0x40;  // version 1
  CHECK_FALSE(RtpPacket::parse(v1));
  auto cc = hdr;
  cc[0] = 0x81;  // one CSRC but no room for it
  CHECK_FALSE(RtpPacket::parse(cc));
  auto pad = hdr;
  pad[0] = 0xA0;  // padding bit, last octet (1) — would leave room; set to 0 → invalid
  pad[11] = 0;
  CHECK_FALSE(RtpPacket::parse(pad));
  std::array<uint8_t, 13> padBig = {0xA0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 200};
  CHECK_FALSE(RtpPacket::parse(padBig));
  // Extension header claiming more words than present.
  std::array<uint8_t, 16> ext = {0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 2};
  CHECK_FALSE(RtpPacket::parse(ext));
  // One-byte element longer than the extension block.
  std::array<uint8_t, 20> ext2 = {0x90, 0, 0,    1,    0, 0, 0,    1, 0, 0,
                                  0,    1, 0xBE, 0xDE, 0, 1, 0x1F, 0, 0, 0};
  CHECK_FALSE(RtpPacket::parse(ext2));
  // RTCP is not RTP for the demux.
  std::array<uint8_t, 12> rtcp = {0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0};
  CHECK_FALSE(RtpPacket::isRtp(rtcp));
}

TEST_CASE("RTP serialize refuses what does not fit or is invalid") {
  std::array<uint8_t, 10> small{};
  RtpHeader h{.payloadType = 0};
  std::array<uint8_t, 4> payload{};
  CHECK(RtpPacket::serialize(h, payload, small) == 0);
  std::array<uint8_t, 64> buf{};
  h.payloadType = 128;
  CHECK(RtpPacket::serialize(h, payload, buf) == 0);
}

TEST_CASE("Sequence and timestamp unwrapping across wrap-around and reordering") {
  SeqUnwrapper u;
  CHECK(u.unwrap(65534) == 65534);
  CHECK(u.unwrap(65535) == 65535);
  CHECK(u.unwrap(0) == 65536);
  CHECK(u.unwrap(65535) == 65535);  // reordered from before the wrap
  CHECK(u.unwrap(1) == 65537);
  CHECK(isNewer<uint16_t>(0, 65535));
  CHECK_FALSE(isNewer<uint16_t>(65535, 0));
  TimestampUnwrapper t;
  CHECK(t.unwrap(0xFFFFFE00u) == 0xFFFFFE00LL);
  CHECK(t.unwrap(0x100u) == 0x100000100LL);
}

TEST_CASE("RTP parses real PCMU packets captured from a baresip call") {
  auto packets = test::readHexPackets("baresip_pcmu.rtphex");
  REQUIRE(packets.size() == 20);
  auto first = RtpPacket::parse(packets[0]);
  REQUIRE(first);
  CHECK(first->marker());  // start of the talkspurt
  for (size_t i = 0; i < packets.size(); ++i) {
    auto p = RtpPacket::parse(packets[i]);
    REQUIRE(p);
    CHECK(p->payloadType() == 0);
    CHECK(p->payload().size() == 160);
    CHECK(p->ssrc() == first->ssrc());
    CHECK(p->sequenceNumber() == static_cast<uint16_t>(first->sequenceNumber() + i));
    CHECK(p->timestamp() == first->timestamp() + 160 * i);
  }
}
