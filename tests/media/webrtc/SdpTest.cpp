// SDP offer parsing and answer building on offers captured from Chromium and Firefox.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "media/webrtc/Sdp.hpp"

using namespace parley::media;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/tests/fixtures/webrtc/" + name);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SdpAnswerParams params() {
  SdpAnswerParams p;
  p.iceUfrag = "srvU";
  p.icePwd = "server-password-0123456789";
  p.fingerprintSha256 = std::string(95, 'A');
  p.candidateIp = "127.0.0.1";
  p.candidatePort = 40000;
  p.ssrc = 1234;
  p.cname = "parley";
  p.sessionId = 99;
  return p;
}

bool has(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("Chromium audio offer is accepted and answered") {
  SdpError err{};
  auto offer = Sdp::parseOffer(fixture("chromium-audio-offer.sdp"), err);
  REQUIRE_MESSAGE(offer, err.reason);
  REQUIRE(offer->audioIndex == 0);
  const auto& a = offer->sections[0];
  CHECK(a.opusPt == 111);
  CHECK(a.telephoneEventPt == 110);  // the 48 kHz one, matching Opus's clock
  CHECK(a.telephoneEventRate == 48000);
  CHECK(a.iceUfrag == "zeyl");
  CHECK(a.icePwd == "eQo78ta+ylnb5BQfWEa10x2L");
  CHECK(a.setup == "actpass");
  CHECK(a.rtcpMux);
  CHECK(a.mid == "0");
  CHECK(a.fingerprint.substr(0, 8) == "B0:B1:00");

  const std::string answer = Sdp::buildAnswer(*offer, params());
  CHECK(has(answer, "a=ice-lite\r\n"));
  CHECK(has(answer, "a=group:BUNDLE 0\r\n"));
  CHECK(has(answer, "m=audio 40000 UDP/TLS/RTP/SAVPF 111 110\r\n"));
  CHECK(has(answer, "a=rtpmap:111 opus/48000/2\r\n"));
  CHECK(has(answer, "a=fmtp:111 minptime=10;useinbandfec=1\r\n"));
  CHECK(has(answer, "a=rtpmap:110 telephone-event/48000\r\n"));
  CHECK(has(answer, "a=setup:passive\r\n"));
  CHECK(has(answer, "a=sendrecv\r\n"));
  CHECK(has(answer, "a=rtcp-mux\r\n"));
  CHECK(has(answer, "a=ice-ufrag:srvU\r\n"));
  CHECK(has(answer, "a=fingerprint:sha-256 " + std::string(95, 'A') + "\r\n"));
  CHECK(has(answer, "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n"));
  // The answer is itself well-formed SDP.
  SdpError again{};
  CHECK(Sdp::parseOffer(answer, again).has_value() == false);  // passive: not usable as offer
  CHECK(again.kind == SdpError::Kind::Unacceptable);
}

TEST_CASE("Chromium audio+video offer: video rejected with port 0") {
  SdpError err{};
  auto offer = Sdp::parseOffer(fixture("chromium-audio-video-offer.sdp"), err);
  REQUIRE_MESSAGE(offer, err.reason);
  REQUIRE(offer->sections.size() == 2);
  CHECK(offer->sections[1].media == "video");
  const std::string answer = Sdp::buildAnswer(*offer, params());
  CHECK(has(answer, "m=video 0 UDP/TLS/RTP/SAVPF 96 97"));
  CHECK(has(answer, "a=mid:1\r\na=inactive\r\n"));
  CHECK(has(answer, "a=group:BUNDLE 0\r\n"));  // the rejected mid leaves the bundle
}

TEST_CASE("Firefox offer: session-level fingerprint and pt 109") {
  SdpError err{};
  auto offer = Sdp::parseOffer(fixture("firefox-audio-video-offer.sdp"), err);
  REQUIRE_MESSAGE(offer, err.reason);
  const auto& a = offer->sections.at(static_cast<size_t>(offer->audioIndex));
  CHECK(a.opusPt == 109);
  CHECK(a.telephoneEventPt == 101);
  CHECK(a.telephoneEventRate == 8000);
  CHECK(a.fingerprintAlg == "sha-256");
  CHECK(a.fingerprint.substr(0, 5) == "AA:F3");
  CHECK(a.iceUfrag == "15845c69");
  const std::string answer = Sdp::buildAnswer(*offer, params());
  CHECK(has(answer, "m=audio 40000 UDP/TLS/RTP/SAVPF 109 101\r\n"));
  CHECK(has(answer, "a=fmtp:109 minptime=10;useinbandfec=1\r\n"));
  CHECK(has(answer, "m=video 0 "));
}

TEST_CASE("unusable offers are 406 with a reason") {
  const std::string base = fixture("chromium-audio-offer.sdp");
  auto expect406 = [](std::string sdp, const std::string& why) {
    SdpError err{};
    CHECK_FALSE(Sdp::parseOffer(sdp, err));
    CHECK(err.kind == SdpError::Kind::Unacceptable);
    CHECK_MESSAGE(has(err.reason, why), err.reason);
  };
  auto without = [&](const std::string& prefix) {
    std::istringstream in(base);
    std::string line, out;
    while (std::getline(in, line))
      if (line.rfind(prefix, 0) != 0) out += line + "\n";
    return out;
  };
  expect406(without("a=rtpmap:111"), "opus");
  expect406(without("a=fingerprint"), "fingerprint");
  expect406(without("a=rtcp-mux"), "rtcp-mux");
  expect406(without("a=ice-pwd"), "ice");
  std::string passive = base;
  passive.replace(passive.find("a=setup:actpass"), 15, "a=setup:passive");
  expect406(passive, "passive");
  std::string plainRtp = base;
  plainRtp.replace(plainRtp.find("UDP/TLS/RTP/SAVPF"), 17, "RTP/AVP");
  expect406(plainRtp, "DTLS");
}

TEST_CASE("malformed SDP is 400") {
  auto expect400 = [](const std::string& sdp) {
    SdpError err{};
    CHECK_FALSE(Sdp::parseOffer(sdp, err));
    CHECK(err.kind == SdpError::Kind::Malformed);
    CHECK_FALSE(err.reason.empty());
  };
  expect400("");
  expect400("hello world");
  expect400("v=1\r\n");
  expect400("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n");  // no m= section
  expect400("v=0\r\nm=audio\r\n");
  expect400("v=0\r\nm=audio 99999 UDP/TLS/RTP/SAVPF 111\r\n");
  expect400("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:abc opus/48000/2\r\n");
  expect400(std::string(Sdp::kMaxSdpBytes + 1, 'a'));
}
