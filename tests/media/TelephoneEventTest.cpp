#include <doctest/doctest.h>

#include <string>

#include "media/rtp/RtpPacket.hpp"
#include "media/rtp/TelephoneEvent.hpp"
#include "tests/media/Fixtures.hpp"

using namespace parley::media;

namespace {
std::string receiveAll(const std::vector<std::vector<uint8_t>>& packets, bool stripMarker = false) {
  DtmfReceiver rx;
  std::string digits;
  for (auto bytes : packets) {
    if (stripMarker) bytes[1] &= 0x7F;
    auto p = RtpPacket::parse(bytes);
    REQUIRE(p);
    if (auto d = rx.onPacket(p->timestamp(), p->payload())) digits.push_back(d->digit);
  }
  return digits;
}
}  // namespace

TEST_CASE("telephone-event: real sipp captures give exactly one digit each (3 end packets)") {
  struct Case {
    const char* file;
    char digit;
  };
  for (Case c :
       {Case{"sipp_dtmf_2833_0.rtphex", '0'}, Case{"sipp_dtmf_2833_5.rtphex", '5'},
        Case{"sipp_dtmf_2833_star.rtphex", '*'}, Case{"sipp_dtmf_2833_pound.rtphex", '#'}}) {
    auto packets = test::readHexPackets(c.file);
    REQUIRE(packets.size() == 10);
    auto first = RtpPacket::parse(packets[0]);
    REQUIRE(first);
    CHECK(first->payloadType() == 101);
    CHECK(first->marker());
    auto last = RtpPacket::parse(packets[9]);
    auto ev = TelephoneEvent::parse(last->payload());
    REQUIRE(ev);
    CHECK(ev->end);
    CHECK(ev->volume == 10);
    CHECK(ev->duration == 0x08C0);  // 2240 ticks = 280 ms at 8 kHz
    CHECK(eventToDigit(ev->event) == c.digit);
    CHECK(receiveAll(packets) == std::string(1, c.digit));
    // Same without any marker bit (carrier quirk).
    CHECK(receiveAll(packets, true) == std::string(1, c.digit));
  }
}

TEST_CASE("telephone-event: two presses of the same key are two digits - reorder is not") {
  auto five = test::readHexPackets("sipp_dtmf_2833_5.rtphex");
  DtmfReceiver rx;
  std::string digits;
  auto feed = [&](std::vector<uint8_t> bytes, uint32_t tsOffset) {
    auto p = RtpPacket::parse(bytes);
    if (auto d = rx.onPacket(p->timestamp() + tsOffset, p->payload())) digits.push_back(d->digit);
  };
  for (auto& b : five) feed(b, 0);
  for (auto& b : five) feed(b, 4000);  // second press, 0.5 s later
  feed(five[9], 0);                    // a late end packet of the first press
  CHECK(digits == "55");
}

TEST_CASE("telephone-event: sender sequence follows RFC 4733 §2.5.1 and round-trips") {
  DtmfSender tx(8000, 20);
  REQUIRE(tx.start('9', 100, 12345));
  CHECK_FALSE(tx.start('1', 100, 0));  // one at a time
  std::vector<DtmfSender::Packet> pkts;
  while (auto p = tx.next()) pkts.push_back(*p);
  // 100 ms at 20 ms steps: 5 packets, the 5th is the first end packet; then 2 more ends.
  REQUIRE(pkts.size() == 7);
  CHECK(pkts[0].marker);
  CHECK_FALSE(pkts[1].marker);
  CHECK(pkts[0].event.duration == 160);
  CHECK(pkts[3].event.duration == 640);
  for (size_t i = 4; i < 7; ++i) {
    CHECK(pkts[i].event.end);
    CHECK(pkts[i].event.duration == 800);
  }
  for (auto& p : pkts) CHECK(p.timestamp == 12345);
  DtmfReceiver rx;
  std::string digits;
  for (auto& p : pkts) {
    std::array<uint8_t, 4> b{};
    REQUIRE(p.event.serialize(b) == 4);
    if (auto d = rx.onPacket(p.timestamp, b)) digits.push_back(d->digit);
  }
  CHECK(digits == "9");
  CHECK_FALSE(tx.active());
  CHECK_FALSE(tx.start('x', 100, 0));
  CHECK(digitToEvent('b') == 13);
}

TEST_CASE("telephone-event: garbage is ignored") {
  DtmfReceiver rx;
  std::array<uint8_t, 3> shortP = {1, 2, 3};
  CHECK_FALSE(rx.onPacket(0, shortP));
  std::array<uint8_t, 4> unknown = {200, 0, 0, 0};  // event 200 is not DTMF
  CHECK_FALSE(rx.onPacket(0, unknown));
}
