#include <doctest/doctest.h>

#include <array>
#include <chrono>

#include "core/Clock.hpp"
#include "media/rtp/ReceiverStats.hpp"
#include "media/rtp/RtcpPacket.hpp"
#include "media/rtp/RtcpSender.hpp"
#include "media/rtp/RtpPacket.hpp"
#include "tests/media/Fixtures.hpp"

using namespace parley;
using namespace parley::media;

TEST_CASE("RTCP parses real compounds captured from a baresip call") {
  auto packets = test::readHexPackets("baresip_rtcp.rtphex");
  REQUIRE(packets.size() == 6);
  for (const auto& p : packets) {
    CHECK(RtcpCompound::isRtcp(p));
    CHECK_FALSE(RtpPacket::isRtp(p));
    CHECK(RtcpCompound::parse(p));
  }
  // APP "PING" (type 204): walked, not interpreted.
  auto app = RtcpCompound::parse(packets[0]);
  REQUIRE(app->size() == 1);
  CHECK((*app)[0].type == 204);

  // SR + SDES.
  auto c = RtcpCompound::parse(packets[2]);
  REQUIRE(c);
  REQUIRE(c->size() == 2);
  auto sr = RtcpSenderReport::parse((*c)[0]);
  REQUIRE(sr);
  CHECK(sr->ssrc == 0x7a7143e9u);
  CHECK(sr->ntpTimestamp == 0xeeab670d4e808c82ULL);
  CHECK(sr->rtpTimestamp == 0xff3e);
  CHECK(sr->packetCount == 250);
  CHECK(sr->octetCount == 40000);  // 250 × 160 bytes of PCMU
  REQUIRE(sr->reportCount == 1);
  CHECK(sr->reports[0].ssrc == 0x384ef3f3u);
  CHECK(sr->reports[0].fractionLost == 0);
  CHECK(sr->reports[0].cumulativeLost == 0);
  CHECK(sr->reports[0].highestSeq == 0x2e68);
  CHECK(sr->reports[0].jitter == 18);
  auto sdes = RtcpSdes::parse((*c)[1]);
  REQUIRE(sdes);
  CHECK(sdes->cname(0x7a7143e9u) == "sip:a@127.0.0.1:5070;transport=udp");
  CHECK_FALSE(sdes->cname(1));

  // The other side's SR carries LSR/DLSR for ours.
  auto c2 = RtcpCompound::parse(packets[3]);
  auto sr2 = RtcpSenderReport::parse((*c2)[0]);
  REQUIRE(sr2);
  CHECK(sr2->reports[0].lastSr == 0x670d4e80u);  // middle 32 bits of the SR above
  CHECK(sr2->reports[0].delaySinceLastSr == 0x41);

  // BYE with a reason, then SDES.
  auto b = RtcpCompound::parse(packets[4]);
  REQUIRE(b);
  REQUIRE(b->size() == 2);
  auto bye = RtcpBye::parse((*b)[0]);
  REQUIRE(bye);
  REQUIRE(bye->ssrcCount == 1);
  CHECK(bye->ssrcs[0] == 0x7a7143e9u);
  CHECK(bye->reason == "Adjo");
  CHECK_FALSE(RtcpSenderReport::parse((*b)[0]));  // wrong type
}

TEST_CASE("RTCP writer output parses back: SR with blocks - RR - SDES - BYE") {
  std::array<uint8_t, 512> buf{};
  RtcpWriter w(buf);
  RtcpSenderReport sr;
  sr.ssrc = 1;
  sr.ntpTimestamp = 0x0102030405060708ULL;
  sr.rtpTimestamp = 9;
  sr.packetCount = 10;
  sr.octetCount = 11;
  sr.reportCount = 2;
  sr.reports[0] = RtcpReportBlock{2, 25, -3, 70000, 44, 0xAABBCCDD, 65536};
  sr.reports[1] = RtcpReportBlock{3, 0, 0x7FFFFF, 1, 2, 3, 4};
  REQUIRE(w.addSenderReport(sr));
  RtcpReceiverReport rr;
  rr.ssrc = 5;
  REQUIRE(w.addReceiverReport(rr));
  REQUIRE(w.addSdesCname(1, "parley-abc"));
  std::array<uint32_t, 2> byes = {1, 2};
  REQUIRE(w.addBye(byes, "bye now"));
  auto c = RtcpCompound::parse(w.data());
  REQUIRE(c);
  REQUIRE(c->size() == 4);
  auto sr2 = RtcpSenderReport::parse((*c)[0]);
  REQUIRE(sr2);
  CHECK(sr2->ntpTimestamp == sr.ntpTimestamp);
  CHECK(sr2->reports[0].cumulativeLost == -3);
  CHECK(sr2->reports[0].fractionLost == 25);
  CHECK(sr2->reports[0].highestSeq == 70000);
  CHECK(sr2->reports[1].cumulativeLost == 0x7FFFFF);
  auto rr2 = RtcpReceiverReport::parse((*c)[1]);
  REQUIRE(rr2);
  CHECK(rr2->ssrc == 5);
  CHECK(rr2->reportCount == 0);
  CHECK(RtcpSdes::parse((*c)[2])->cname(1) == "parley-abc");
  auto bye = RtcpBye::parse((*c)[3]);
  REQUIRE(bye);
  CHECK(bye->ssrcCount == 2);
  CHECK(bye->reason == "bye now");
  // Refuses what does not fit.
  std::array<uint8_t, 10> tiny{};
  RtcpWriter t(tiny);
  CHECK_FALSE(t.addSenderReport(sr));
  CHECK(t.size() == 0);
}

TEST_CASE("RTCP compound parse rejects malformed input") {
  // Length field beyond the buffer.
  std::array<uint8_t, 8> longLen = {0x80, 201, 0, 5, 0, 0, 0, 1};
  CHECK_FALSE(RtcpCompound::parse(longLen));
  // Version 1.
  std::array<uint8_t, 8> v1 = {0x40, 201, 0, 1, 0, 0, 0, 1};
  CHECK_FALSE(RtcpCompound::parse(v1));
  // Padding on a packet that is not the last.
  std::array<uint8_t, 16> pad = {0xA0, 201, 0, 1, 0, 0, 0, 1, 0x80, 201, 0, 1, 0, 0, 0, 1};
  CHECK_FALSE(RtcpCompound::parse(pad));
  // RR claiming a report block it does not have.
  std::array<uint8_t, 8> rc = {0x81, 201, 0, 1, 0, 0, 0, 1};
  auto c = RtcpCompound::parse(rc);
  REQUIRE(c);
  CHECK_FALSE(RtcpReceiverReport::parse((*c)[0]));
  // SDES item running past the end.
  std::array<uint8_t, 12> sdes = {0x81, 202, 0, 2, 0, 0, 0, 1, 1, 20, 'a', 'b'};
  auto s = RtcpCompound::parse(sdes);
  REQUIRE(s);
  CHECK_FALSE(RtcpSdes::parse((*s)[0]));
}

TEST_CASE("receiver stats: loss - fraction lost - wrap-around and jitter (RFC 3550 A.1/A.3/A.8)") {
  constexpr int64_t kMs = 1'000'000;
  ReceiverStats st(8000);
  uint16_t seq = 65500;
  uint32_t ts = 1000;
  int64_t t = 0;
  for (int i = 0; i < 100; ++i) {
    if (i % 10 != 5) st.onPacket(seq, ts, t);  // lose 10 %
    ++seq;
    ts += 160;
    t += 20 * kMs;
  }
  CHECK(st.valid());
  CHECK(st.extendedHighestSeq() == 65536 + static_cast<uint16_t>(65500 + 99));
  CHECK(st.cumulativeLost() == 10);
  auto b = st.makeReportBlock(42, t);
  CHECK(b.ssrc == 42);
  CHECK(b.cumulativeLost == 10);
  CHECK(b.fractionLost == 10 * 256 / 100);  // lost/expected since the start: 10/100 of 256
  CHECK(st.jitter() == 0);                  // perfectly regular arrivals
  // Next interval without loss: fraction 0.
  for (int i = 0; i < 50; ++i) {
    st.onPacket(seq++, ts, t + (i % 2 ? 10 * kMs : 0));  // alternate 0 / 10 ms late
    ts += 160;
    t += 20 * kMs;
  }
  auto b2 = st.makeReportBlock(42, t);
  CHECK(b2.fractionLost == 0);
  CHECK(st.jitterMs() == doctest::Approx(10.0).epsilon(0.1));  // |D| = 10 ms each packet
  // LSR/DLSR.
  st.onSenderReport(0x1122334455667788ULL, t);
  auto b3 = st.makeReportBlock(42, t + 500 * kMs);
  CHECK(b3.lastSr == 0x33445566u);
  CHECK(b3.delaySinceLastSr == 32768);  // 0.5 s in 1/65536 s
}

TEST_CASE("receiver stats: probation and a restarted sender") {
  ReceiverStats st(8000);
  CHECK_FALSE(st.onPacket(100, 0, 0));  // first packet: on probation
  CHECK(st.onPacket(101, 160, 0));
  CHECK(st.valid());
  CHECK_FALSE(st.onPacket(30000, 0, 0));  // huge jump: suspicious
  CHECK(st.onPacket(30001, 160, 0));      // sequential after it: sender restarted
  CHECK(st.received() == 1);
}

TEST_CASE("RTCP sender: SR when sending - RR when not - every ~5 s - CNAME always - BYE at end") {
  core::ManualClock clock(
      std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)));
  RtcpSender sender(RtcpSenderConfig{.ssrc = 77, .cname = "parley-x", .clockRate = 8000}, clock);
  ReceiverStats remote(8000);
  sender.setRemote(99, &remote);
  std::array<uint8_t, 256> out{};
  constexpr int64_t kMs = 1'000'000;
  int reports = 0;
  int64_t lastReport = -1;
  int64_t maxGap = 0;
  uint16_t seq = 0;
  for (int64_t now = 0; now <= 60'000 * kMs; now += 20 * kMs) {
    remote.onPacket(seq++, static_cast<uint32_t>(now / kMs * 8), now);
    if (now < 30'000 * kMs) sender.onRtpSent(static_cast<uint32_t>(now / kMs * 8), 160, now);
    size_t n = sender.poll(now, out);
    if (!n) continue;
    ++reports;
    if (lastReport >= 0) maxGap = std::max(maxGap, now - lastReport);
    lastReport = now;
    auto c = RtcpCompound::parse(std::span<const uint8_t>(out.data(), n));
    REQUIRE(c);
    REQUIRE(c->size() == 2);
    if (now < 30'000 * kMs) {
      auto sr = RtcpSenderReport::parse((*c)[0]);
      REQUIRE(sr);
      CHECK(sr->ssrc == 77);
      CHECK(sr->reportCount == 1);
      CHECK(sr->reports[0].ssrc == 99);
      CHECK(sr->octetCount == sr->packetCount * 160);
      CHECK((sr->ntpTimestamp >> 32) == 1'700'000'000ULL + 2'208'988'800ULL);
    } else if (now > 31'000 * kMs + 7'500 * kMs) {
      CHECK(RtcpReceiverReport::parse((*c)[0]));
    }
    CHECK(RtcpSdes::parse((*c)[1])->cname(77) == "parley-x");
  }
  CHECK(reports >= 8);  // 60 s / (5 s × [0.5, 1.5])
  CHECK(reports <= 24);
  CHECK(maxGap <= 7'500 * kMs);
  size_t n = sender.buildBye(60'000 * kMs, out, "done");
  auto c = RtcpCompound::parse(std::span<const uint8_t>(out.data(), n));
  REQUIRE(c);
  REQUIRE(c->size() == 3);
  CHECK(RtcpBye::parse((*c)[2])->reason == "done");
}
