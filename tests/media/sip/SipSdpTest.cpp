#include <doctest/doctest.h>

#include "media/sip/SipSdp.hpp"

using namespace parley::media::sip;

namespace {

// What sipp's uac_pcap scenario offers (PCMA + telephone-event).
const char* kSippOffer =
    "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\nm=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-11,16\r\n";

// A Twilio-style offer: PCMU first, no rtpmap for the static types, media-level c=.
const char* kTrunkOffer =
    "v=0\r\no=root 1 1 IN IP4 54.172.60.1\r\ns=Twilio Media Gateway\r\nt=0 0\r\n"
    "m=audio 12000 RTP/AVP 0 8 101\r\nc=IN IP4 54.172.60.2\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";

// baresip with opus first and telephone-event at both clocks.
const char* kOpusOffer =
    "v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 96 0 8 101 97\r\na=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 stereo=0;sprop-stereo=0\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=rtpmap:97 telephone-event/48000\r\na=sendonly\r\n";

}  // namespace

TEST_CASE("sdp parses the sipp offer") {
  std::string err;
  auto a = parseSdp(kSippOffer, &err);
  REQUIRE_MESSAGE(a, err);
  CHECK(a->address == "127.0.0.1");
  CHECK(a->port == 6000);
  CHECK((a->direction == SdpDirection::SendRecv));
  REQUIRE(a->formats.size() == 2);
  CHECK(a->formats[0].payloadType == 8);
  CHECK(a->formats[0].encoding == "PCMA");
  CHECK(a->formats[1].encoding == "telephone-event");
}

TEST_CASE("sdp fills static payload types without rtpmap and reads media-level c=") {
  auto a = parseSdp(kTrunkOffer);
  REQUIRE(a);
  CHECK(a->address == "54.172.60.2");
  CHECK(a->ptimeMs == 20);
  REQUIRE(a->formats.size() == 3);
  CHECK(a->formats[0].encoding == "PCMU");
  CHECK(a->formats[0].clockRate == 8000);
  CHECK(a->formats[1].encoding == "PCMA");
}

TEST_CASE("negotiate follows the offerer's order among allowed codecs") {
  auto trunk = parseSdp(kTrunkOffer);
  REQUIRE(trunk);
  auto c = negotiate(*trunk, {SipCodec::Pcma, SipCodec::Pcmu, SipCodec::Opus});
  REQUIRE(c);
  CHECK((c->codec == SipCodec::Pcmu));
  CHECK(c->payloadType == 0);
  CHECK(c->dtmfPayloadType == 101);
  auto onlyA = negotiate(*trunk, {SipCodec::Pcma});
  REQUIRE(onlyA);
  CHECK((onlyA->codec == SipCodec::Pcma));
  CHECK(onlyA->payloadType == 8);
  CHECK_FALSE(negotiate(*trunk, {SipCodec::Opus}));
}

TEST_CASE("negotiate takes telephone-event at the codec clock") {
  auto a = parseSdp(kOpusOffer);
  REQUIRE(a);
  CHECK((a->direction == SdpDirection::SendOnly));
  auto c = negotiate(*a, {SipCodec::Pcmu, SipCodec::Pcma, SipCodec::Opus});
  REQUIRE(c);
  CHECK((c->codec == SipCodec::Opus));
  CHECK(c->payloadType == 96);
  CHECK(c->clockRate == 48000);
  CHECK(c->dtmfPayloadType == 97);
  CHECK(c->dtmfClockRate == 48000);
  auto g = negotiate(*a, {SipCodec::Pcmu});
  REQUIRE(g);
  CHECK(g->dtmfPayloadType == 101);
  CHECK(g->dtmfClockRate == 8000);
}

TEST_CASE("answer round-trips through the parser") {
  auto offer = parseSdp(kOpusOffer);
  REQUIRE(offer);
  auto choice = negotiate(*offer, {SipCodec::Pcmu});
  REQUIRE(choice);
  SdpLocal local{.address = "203.0.113.7",
                 .port = 20002,
                 .sessionId = 42,
                 .version = 3,
                 .direction = answerDirection(offer->direction)};
  std::string text = buildAnswer(local, *choice);
  CHECK(text.find("o=parley 42 3 IN IP4 203.0.113.7\r\n") != std::string::npos);
  CHECK(text.find("m=audio 20002 RTP/AVP 0 101\r\n") != std::string::npos);
  CHECK(text.find("a=recvonly\r\n") != std::string::npos);
  auto back = parseSdp(text);
  REQUIRE(back);
  CHECK(back->port == 20002);
  CHECK(back->address == "203.0.113.7");
  CHECK((back->direction == SdpDirection::RecvOnly));
  REQUIRE(back->formats.size() == 2);
  CHECK(back->formats[0].encoding == "PCMU");
  CHECK(back->formats[1].payloadType == 101);
}

TEST_CASE("offer lists the codecs and both telephone-event clocks") {
  SdpLocal local{.address = "127.0.0.1", .port = 30000, .sessionId = 1};
  std::string text = buildOffer(local, {SipCodec::Pcmu, SipCodec::Opus});
  auto back = parseSdp(text);
  REQUIRE(back);
  auto c = negotiate(*back, {SipCodec::Opus});
  REQUIRE(c);
  CHECK(c->payloadType == 111);
  CHECK(c->dtmfPayloadType == 102);
}

TEST_CASE("sdp rejects garbage and offers we cannot serve") {
  std::string err;
  CHECK_FALSE(parseSdp("", &err));
  CHECK_FALSE(parseSdp("hello world", &err));
  CHECK_FALSE(err.empty());
  CHECK_FALSE(parseSdp(std::string(kMaxSdpBytes + 1, 'v')));
  // Video only.
  CHECK_FALSE(
      parseSdp("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
               "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"));
  // SDES-SRTP is not offered back (sofia does not do a=crypto; we do not yet either).
  auto srtp = parseSdp(
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
      "m=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abcd\r\n");
  REQUIRE(srtp);
  CHECK(srtp->secure);
  CHECK_FALSE(negotiate(*srtp, {SipCodec::Pcmu}));
  // A rejected stream (port 0) cannot be answered.
  auto rejected = parseSdp(
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
      "m=audio 0 RTP/AVP 0\r\n");
  REQUIRE(rejected);
  CHECK_FALSE(negotiate(*rejected, {SipCodec::Pcmu}));
}

TEST_CASE("codec lists parse case-insensitively") {
  auto l = parseCodecList("pcmu, PCMA,Opus");
  REQUIRE(l);
  CHECK(l->size() == 3);
  CHECK(((*l)[2] == SipCodec::Opus));
  CHECK_FALSE(parseCodecList(""));
  CHECK_FALSE(parseCodecList("PCMU,G729"));
}
