// DTLS-SRTP: a server and a client DtlsTransport handshake through memory, verify fingerprints,
// export matching keys (RFC 5764 §4.2); SRTP protects and unprotects across them.
#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "media/rtp/RtpPacket.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/SrtpSession.hpp"

using namespace parley::media;

namespace {

struct Peer : DtlsListener {
  std::deque<std::vector<uint8_t>> outbox;
  std::optional<SrtpKeys> keys;
  std::string failure;
  bool closed = false;
  void onDtlsSend(std::span<const uint8_t> d) override { outbox.emplace_back(d.begin(), d.end()); }
  void onDtlsConnected(const SrtpKeys& k) override { keys = k; }
  void onDtlsFailed(const char* reason) override { failure = reason; }
  void onDtlsClosed() override { closed = true; }
};

// Shuttles datagrams until both sides are quiet. Returns rounds used.
int pump(Peer& a, DtlsTransport& ta, Peer& b, DtlsTransport& tb, int maxRounds = 50) {
  int rounds = 0;
  while ((!a.outbox.empty() || !b.outbox.empty()) && rounds < maxRounds) {
    ++rounds;
    while (!a.outbox.empty()) {
      auto d = std::move(a.outbox.front());
      a.outbox.pop_front();
      CHECK(DtlsTransport::isDtls(d));
      tb.receive(d);
    }
    while (!b.outbox.empty()) {
      auto d = std::move(b.outbox.front());
      b.outbox.pop_front();
      ta.receive(d);
    }
  }
  return rounds;
}

std::vector<uint8_t> rtp(uint16_t seq, uint8_t fill) {
  std::vector<uint8_t> buf(1500);
  std::vector<uint8_t> payload(60, fill);
  RtpHeader h;
  h.payloadType = 111;
  h.sequenceNumber = seq;
  h.timestamp = 960u * seq;
  h.ssrc = 0xCAFE;
  buf.resize(RtpPacket::serialize(h, payload, buf));
  return buf;
}

}  // namespace

TEST_CASE("DTLS handshake exports mirrored SRTP keys with AES-GCM preferred") {
  auto serverCert = DtlsCertificate::generate();
  auto clientCert = DtlsCertificate::generate();
  CHECK(serverCert->fingerprintSha256().size() == 95);  // 32 bytes "AB:" × 32 − 1
  CHECK(serverCert->fingerprintSha256() != clientCert->fingerprintSha256());
  Peer s, c;
  DtlsTransport server(serverCert, DtlsTransport::Role::Server, clientCert->fingerprintSha256(), s);
  DtlsTransport client(clientCert, DtlsTransport::Role::Client, serverCert->fingerprintSha256(), c);
  server.start();
  client.start();
  CHECK(server.nextTimeoutMs() == -1);  // the server waits for a ClientHello
  CHECK(client.nextTimeoutMs() > 0);    // the client retransmits if unanswered
  pump(c, client, s, server);
  REQUIRE(s.failure.empty());
  REQUIRE(c.failure.empty());
  REQUIRE(s.keys);
  REQUIRE(c.keys);
  CHECK(server.state() == DtlsTransport::State::Connected);
  CHECK(client.state() == DtlsTransport::State::Connected);
  CHECK((s.keys->profile == SrtpProfile::AeadAes128Gcm));
  CHECK(s.keys->length == 28);
  CHECK(std::memcmp(s.keys->local.data(), c.keys->remote.data(), 28) == 0);
  CHECK(std::memcmp(s.keys->remote.data(), c.keys->local.data(), 28) == 0);
  CHECK(std::memcmp(s.keys->local.data(), s.keys->remote.data(), 28) != 0);

  // close_notify reaches the other side.
  client.close();
  pump(c, client, s, server);
  CHECK(s.closed);
}

TEST_CASE("a certificate that does not match the SDP fingerprint fails the handshake") {
  auto serverCert = DtlsCertificate::generate();
  auto clientCert = DtlsCertificate::generate();
  auto impostor = DtlsCertificate::generate();
  Peer s, c;
  DtlsTransport server(serverCert, DtlsTransport::Role::Server, clientCert->fingerprintSha256(), s);
  DtlsTransport client(impostor, DtlsTransport::Role::Client, serverCert->fingerprintSha256(), c);
  server.start();
  client.start();
  pump(c, client, s, server);
  CHECK_FALSE(s.failure.empty());
  CHECK_FALSE(s.keys);
  CHECK(server.state() == DtlsTransport::State::Failed);
}

TEST_CASE("a lost flight is retransmitted after the DTLS timer") {
  auto serverCert = DtlsCertificate::generate();
  auto clientCert = DtlsCertificate::generate();
  Peer s, c;
  DtlsTransport server(serverCert, DtlsTransport::Role::Server, clientCert->fingerprintSha256(), s);
  DtlsTransport client(clientCert, DtlsTransport::Role::Client, serverCert->fingerprintSha256(), c);
  server.start();
  client.start();
  REQUIRE_FALSE(c.outbox.empty());
  c.outbox.clear();  // the ClientHello is lost
  // OpenSSL's first timeout is 1 s; wait it out rather than fake its clock.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (c.outbox.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client.handleTimeout();
  }
  REQUIRE_FALSE(c.outbox.empty());
  pump(c, client, s, server);
  CHECK(s.keys);
  CHECK(c.keys);
}

TEST_CASE("SRTP round trip for both profiles and RTCP") {
  for (SrtpProfile profile : {SrtpProfile::AeadAes128Gcm, SrtpProfile::AesCm128HmacSha1_80}) {
    CAPTURE(toString(profile));
    std::vector<uint8_t> keySalt(srtpKeyLength(profile) + srtpSaltLength(profile));
    for (size_t i = 0; i < keySalt.size(); ++i) keySalt[i] = static_cast<uint8_t>(i * 7 + 3);
    auto out = SrtpSession::create(profile, SrtpSession::Direction::Outbound, keySalt);
    auto in = SrtpSession::create(profile, SrtpSession::Direction::Inbound, keySalt);
    REQUIRE(out);
    REQUIRE(in);
    for (uint16_t seq = 100; seq < 110; ++seq) {
      auto plain = rtp(seq, static_cast<uint8_t>(seq));
      std::vector<uint8_t> buf(plain.size() + SrtpSession::kMaxTrailer);
      std::copy(plain.begin(), plain.end(), buf.begin());
      size_t len = plain.size();
      REQUIRE(out->protectRtp(buf.data(), len, buf.size()));
      CHECK(len > plain.size());  // auth tag appended
      CHECK(std::memcmp(buf.data() + 12, plain.data() + 12, plain.size() - 12) != 0);
      auto replay = buf;
      size_t rlen = len;
      REQUIRE(in->unprotectRtp(buf.data(), len));
      CHECK(len == plain.size());
      CHECK(std::memcmp(buf.data(), plain.data(), len) == 0);
      CHECK_FALSE(in->unprotectRtp(replay.data(), rlen));  // replay refused
    }
    // Tampering is detected.
    auto plain = rtp(200, 9);
    std::vector<uint8_t> buf(plain.size() + SrtpSession::kMaxTrailer);
    std::copy(plain.begin(), plain.end(), buf.begin());
    size_t len = plain.size();
    REQUIRE(out->protectRtp(buf.data(), len, buf.size()));
    buf[20] ^= 0x40;
    CHECK_FALSE(in->unprotectRtp(buf.data(), len));
    // RTCP: an RR (8 bytes) round-trips.
    std::vector<uint8_t> rr = {0x80, 201, 0x00, 0x01, 0x00, 0x00, 0xCA, 0xFE};
    std::vector<uint8_t> rbuf(rr.size() + SrtpSession::kMaxTrailer);
    std::copy(rr.begin(), rr.end(), rbuf.begin());
    size_t rl = rr.size();
    REQUIRE(out->protectRtcp(rbuf.data(), rl, rbuf.size()));
    REQUIRE(in->unprotectRtcp(rbuf.data(), rl));
    CHECK(rl == rr.size());
    CHECK(std::memcmp(rbuf.data(), rr.data(), rl) == 0);
  }
}

TEST_CASE("SRTP refuses a key of the wrong length and a too-small buffer") {
  std::vector<uint8_t> shortKey(10);
  CHECK_FALSE(
      SrtpSession::create(SrtpProfile::AeadAes128Gcm, SrtpSession::Direction::Inbound, shortKey));
  std::vector<uint8_t> keySalt(28, 1);
  auto out =
      SrtpSession::create(SrtpProfile::AeadAes128Gcm, SrtpSession::Direction::Outbound, keySalt);
  REQUIRE(out);
  auto plain = rtp(1, 1);
  size_t len = plain.size();
  CHECK_FALSE(out->protectRtp(plain.data(), len, plain.size()));
}
