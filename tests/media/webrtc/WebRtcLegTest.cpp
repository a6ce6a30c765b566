// The WebRTC leg end to end over real UDP on loopback, against a scripted browser built from the
// same parts in their peer roles: an ICE controlling agent (STUN checks with USE-CANDIDATE), a
// DTLS client, SRTP, and Opus. Checks connectivity, audio both ways through the jitter buffer
// and the pacer, that garbage on the port disturbs nothing, and that hangup closes DTLS.
#include <doctest/doctest.h>
#include <uv.h>

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "core/Clock.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"
#include "core/UdpSocket.hpp"
#include "media/Pacer.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/rtp/RtpPacket.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/SrtpSession.hpp"
#include "media/webrtc/StunMessage.hpp"
#include "media/webrtc/WebRtcLeg.hpp"
#include "media/webrtc/WebRtcServer.hpp"

using namespace parley;
using namespace parley::media;

namespace {

constexpr const char* kServerUfrag = "srvU";
constexpr const char* kServerPwd = "server-password-0123456789";
constexpr const char* kClientUfrag = "cliU";

double rms(std::span<const int16_t> s) {
  double sum = 0;
  for (int16_t v : s) sum += double(v) * v;
  return s.empty() ? 0 : std::sqrt(sum / double(s.size()));
}

// 20 ms of a 16 kHz sine at `hz`, continuing phase from `n`.
void tone(AudioFrame& f, double hz, uint64_t& n) {
  for (auto& s : f.samples)
    s = static_cast<int16_t>(8000 * std::sin(2 * M_PI * hz * double(n++) / 16000));
}

/// The scripted browser.
class FakeBrowser : private DtlsListener {
 public:
  FakeBrowser(uv_loop_t* loop, core::SocketAddress server,
              std::shared_ptr<const DtlsCertificate> cert, std::string serverFingerprint)
      : server_(server),
        socket_(loop,
                [this](std::span<const uint8_t> d, const core::SocketAddress&) { onData(d); }),
        dtls_(std::move(cert), DtlsTransport::Role::Client, std::move(serverFingerprint), *this),
        tick_(loop, [this] { onTick(); }) {
    socket_.bind(*core::SocketAddress::parse("127.0.0.1:0"));
  }
  ~FakeBrowser() { socket_.close(); }

  void start() { tick_.start(20, 20); }
  void stop() { tick_.stop(); }
  core::SocketAddress address() const { return socket_.localAddress(); }
  void sendRaw(std::span<const uint8_t> d) { socket_.send(d, server_); }

  bool iceOk = false;
  int stunErrors = 0;
  bool dtlsUp = false;
  bool dtlsClosed = false;
  std::string dtlsFailure;
  int rtpReceived = 0;
  int loudFramesReceived = 0;
  bool sendAudio = true;

 private:
  void sendCheck() {
    std::array<uint8_t, 200> buf{};
    std::array<uint8_t, 12> txid{};
    for (size_t i = 0; i < txid.size(); ++i) txid[i] = static_cast<uint8_t>(rng_());
    StunBuilder b(buf, StunClass::Request, StunMessage::kBindingMethod, txid);
    b.addString(StunAttr::Username, std::string(kServerUfrag) + ":" + kClientUfrag);
    b.addUint32(StunAttr::Priority, 2122194687);
    b.addUint64(StunAttr::IceControlling, 0x0102030405060708ull);
    b.addFlag(StunAttr::UseCandidate);
    b.addMessageIntegrity(kServerPwd);
    b.addFingerprint();
    socket_.send(std::span<const uint8_t>(buf.data(), b.size()), server_);
  }

  void onTick() {
    ++ticks_;
    if (ticks_ % 25 == 1) sendCheck();  // checks every 500 ms, as consent freshness does
    if (iceOk && dtls_.state() == DtlsTransport::State::New) dtls_.start();
    if (dtls_.state() == DtlsTransport::State::Connecting) dtls_.handleTimeout();
    if (!dtlsUp || !sendAudio) return;
    AudioFrame f;
    tone(f, 440, phase_);
    const int n = encoder_.encode(f, std::span<uint8_t>(payload_.data(), payload_.size()));
    if (n <= 0) return;
    RtpHeader h;
    h.payloadType = 111;
    h.sequenceNumber = seq_++;
    h.timestamp = ts_;
    ts_ += 960;
    h.ssrc = 0xB0B0B0B0;
    size_t len = RtpPacket::serialize(h, std::span<const uint8_t>(payload_.data(), size_t(n)),
                                      std::span<uint8_t>(pkt_.data(), 1500));
    if (srtpOut_->protectRtp(pkt_.data(), len, pkt_.size()))
      socket_.send(std::span<const uint8_t>(pkt_.data(), len), server_);
  }

  void onData(std::span<const uint8_t> d) {
    if (StunMessage::isStun(d)) {
      auto m = StunMessage::parse(d);
      if (m && m->messageClass() == StunClass::Success && m->checkIntegrity(kServerPwd) &&
          m->checkFingerprint() && m->xorMappedAddress() == address())
        iceOk = true;
      else
        ++stunErrors;
      return;
    }
    if (DtlsTransport::isDtls(d)) {
      dtls_.receive(d);
      return;
    }
    if (!srtpIn_ || !RtpPacket::isRtp(d)) return;  // RTCP and the rest are not checked here
    std::vector<uint8_t> buf(d.begin(), d.end());
    size_t len = buf.size();
    if (!srtpIn_->unprotectRtp(buf.data(), len)) return;
    auto rtp = RtpPacket::parse(std::span<const uint8_t>(buf.data(), len));
    if (!rtp || rtp->payloadType() != 111) return;
    ++rtpReceived;
    std::array<int16_t, AudioDecoder::kMaxDecodeSamples> pcm{};
    const int n = decoder_.decode(rtp->payload(), pcm);
    if (n > 0 && rms(std::span<const int16_t>(pcm.data(), size_t(n))) > 1000) ++loudFramesReceived;
  }

  void onDtlsSend(std::span<const uint8_t> d) override { socket_.send(d, server_); }
  void onDtlsConnected(const SrtpKeys& k) override {
    srtpOut_ = SrtpSession::create(k.profile, SrtpSession::Direction::Outbound, k.localKeySalt());
    srtpIn_ = SrtpSession::create(k.profile, SrtpSession::Direction::Inbound, k.remoteKeySalt());
    dtlsUp = srtpOut_ && srtpIn_;
  }
  void onDtlsFailed(const char* reason) override { dtlsFailure = reason; }
  void onDtlsClosed() override { dtlsClosed = true; }

  core::SocketAddress server_;
  core::UdpSocket socket_;
  DtlsTransport dtls_;
  core::Timer tick_;
  std::unique_ptr<SrtpSession> srtpOut_, srtpIn_;
  OpusAudioEncoder encoder_;
  OpusAudioDecoder decoder_;
  std::array<uint8_t, 1500> payload_{};
  std::array<uint8_t, 1500 + SrtpSession::kMaxTrailer> pkt_{};
  std::mt19937 rng_{7};
  uint64_t phase_ = 0;
  uint64_t ticks_ = 0;
  uint16_t seq_ = 1000;
  uint32_t ts_ = 5000;
};

struct LegEvents : CallLegListener {
  bool connected = false;
  int frames = 0;
  int loudFrames = 0;
  int drained = 0;
  std::optional<HangupReason> hangup;
  void onLegConnected() override { connected = true; }
  void onLegAudio(const AudioFrame& f) override {
    ++frames;
    if (rms(f.samples) > 1000) ++loudFrames;
  }
  void onLegDtmf(const DtmfEvent&) override {}
  void onLegPlayoutDrained() override { ++drained; }
  void onLegHangup(HangupReason r) override { hangup = r; }
};

// Runs the loop until `done()` or `timeoutMs`.
bool runUntil(uv_loop_t* loop, const std::function<bool()>& done, int timeoutMs) {
  const uint64_t end = uv_now(loop) + uint64_t(timeoutMs);
  while (!done() && uv_now(loop) < end) uv_run(loop, UV_RUN_ONCE);
  return done();
}

struct Rig {
  uv_loop_t loop{};
  core::MetricsRegistry metrics;
  std::shared_ptr<const DtlsCertificate> serverCert = DtlsCertificate::generate();
  std::shared_ptr<const DtlsCertificate> browserCert = DtlsCertificate::generate();
  std::unique_ptr<WebRtcServer> server;
  std::unique_ptr<Pacer> pacer;
  std::unique_ptr<WebRtcLeg> leg;
  std::unique_ptr<FakeBrowser> browser;
  LegEvents events;

  Rig() {
    uv_loop_init(&loop);
    server =
        std::make_unique<WebRtcServer>(&loop, *core::SocketAddress::parse("127.0.0.1:0"), metrics);
    pacer = std::make_unique<Pacer>(&loop, core::SystemClock::instance(), "test", metrics);
    WebRtcLegOptions o;
    o.id = "test-call";
    o.localUfrag = kServerUfrag;
    o.localPwd = kServerPwd;
    o.remoteUfrag = kClientUfrag;
    o.remoteFingerprint = browserCert->fingerprintSha256();
    o.ssrc = 0x5151;
    o.cname = "parley-test";
    leg = std::make_unique<WebRtcLeg>(o, serverCert, *server, *pacer, &loop,
                                      core::SystemClock::instance());
    leg->setListener(&events);
    browser = std::make_unique<FakeBrowser>(&loop, server->localAddress(), browserCert,
                                            serverCert->fingerprintSha256());
  }
  ~Rig() {
    browser.reset();
    leg.reset();
    pacer.reset();
    server.reset();
    uv_run(&loop, UV_RUN_NOWAIT);  // let handles close
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
};

}  // namespace

TEST_CASE("browser call over loopback: ICE then DTLS then audio both ways") {
  Rig rig;
  rig.leg->start();
  rig.browser->start();
  REQUIRE(runUntil(
      &rig.loop, [&] { return rig.events.connected && rig.browser->dtlsUp; }, 5000));
  CHECK(rig.leg->iceConnected());
  CHECK(rig.leg->dtlsConnected());
  REQUIRE(rig.leg->srtpProfile());
  CHECK((*rig.leg->srtpProfile() == SrtpProfile::AeadAes128Gcm));

  // Agent speaks 1 s of 300 Hz; the caller speaks 440 Hz all along.
  uint64_t phase = 0;
  for (int i = 0; i < 50; ++i) {
    AudioFrame f;
    tone(f, 300, phase);
    CHECK(rig.leg->sendAudio(f));
  }
  rig.leg->endOfUtterance();
  REQUIRE(runUntil(
      &rig.loop, [&] { return rig.events.drained > 0; }, 5000));
  CHECK(rig.leg->playedSamples() == 50 * kFrameSamples);
  CHECK(rig.browser->loudFramesReceived >= 45);
  CHECK(rig.events.loudFrames >= 20);  // caller audio arrived through the jitter buffer
  CHECK(rig.leg->stats().srtpErrors == 0);
  CHECK(rig.browser->stunErrors == 0);

  rig.leg->hangup();
  REQUIRE(rig.events.hangup);
  CHECK((*rig.events.hangup == HangupReason::Local));
  CHECK(runUntil(
      &rig.loop, [&] { return rig.browser->dtlsClosed; }, 2000));
  CHECK(rig.server->endpointCount() == 0);
}

TEST_CASE("garbage on the WebRTC port during a call disturbs nothing") {
  Rig rig;
  rig.leg->start();
  rig.browser->start();
  REQUIRE(runUntil(
      &rig.loop, [&] { return rig.events.connected; }, 5000));
  const int loudBefore = rig.events.loudFrames;

  // A stranger and the browser's own address both spray every first-byte class.
  core::UdpSocket stranger(&rig.loop, [](std::span<const uint8_t>, const core::SocketAddress&) {});
  stranger.bind(*core::SocketAddress::parse("127.0.0.1:0"));
  std::mt19937 rng(42);
  std::vector<uint8_t> junk;
  const uint64_t before = rig.server->dropped();
  for (int i = 0; i < 400; ++i) {
    junk.resize(1 + rng() % 300);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    const uint8_t firsts[] = {0, 1, 17, 22, 64, 128, 0x80, 0x90, 200, 255};
    junk[0] = firsts[i % 10];
    if (junk.size() > 1 && junk[0] == 0x80) junk[1] = 111;  // looks like our Opus RTP
    if (i % 2)
      stranger.send(junk, rig.server->localAddress());
    else
      rig.browser->sendRaw(junk);  // from the verified tuple: must fail SRTP/DTLS, not crash
    if (i % 40 == 0) uv_run(&rig.loop, UV_RUN_NOWAIT);
  }
  runUntil(
      &rig.loop, [&] { return rig.events.loudFrames >= loudBefore + 50; }, 3000);
  CHECK(rig.events.loudFrames >= loudBefore + 50);  // caller audio kept flowing
  CHECK_FALSE(rig.events.hangup);
  CHECK(rig.leg->dtlsConnected());
  CHECK(rig.server->dropped() > before);
  CHECK(rig.leg->stats().srtpErrors > 0);
  stranger.close();
}

TEST_CASE("a check with the wrong password never connects the call") {
  Rig rig;
  rig.leg->start();
  // Hand-made check signed with a guessed password from a stranger's socket.
  core::UdpSocket attacker(&rig.loop, [](std::span<const uint8_t>, const core::SocketAddress&) {});
  attacker.bind(*core::SocketAddress::parse("127.0.0.1:0"));
  std::array<uint8_t, 200> buf{};
  std::array<uint8_t, 12> txid{};
  StunBuilder b(buf, StunClass::Request, StunMessage::kBindingMethod, txid);
  b.addString(StunAttr::Username, std::string(kServerUfrag) + ":" + kClientUfrag);
  b.addUint32(StunAttr::Priority, 1);
  b.addFlag(StunAttr::UseCandidate);
  b.addMessageIntegrity("not-the-password");
  b.addFingerprint();
  attacker.send(std::span<const uint8_t>(buf.data(), b.size()), rig.server->localAddress());
  runUntil(
      &rig.loop, [] { return false; }, 300);
  CHECK_FALSE(rig.leg->iceConnected());
  CHECK(rig.leg->stats().stunRequests == 1);
  attacker.close();
}
