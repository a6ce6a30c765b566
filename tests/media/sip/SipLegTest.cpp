// The SIP leg on a real loopback UDP peer: symmetric RTP latching, audio both ways, DTMF,
// media timeout and who sends BYE.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "core/Clock.hpp"
#include "core/Timer.hpp"
#include "core/UdpSocket.hpp"
#include "media/codec/G711Codec.hpp"
#include "media/sip/SipLeg.hpp"

using namespace parley;
using namespace parley::media;
using namespace parley::media::sip;

namespace {

struct Signals : SipLegSignalling {
  int ended = 0;
  HangupReason reason = HangupReason::Error;
  void onSipLegEnded(HangupReason r) override {
    ++ended;
    reason = r;
  }
};

struct Listener : CallLegListener {
  SipLeg* leg = nullptr;
  bool echo = true;  ///< send every caller frame back (off where only agent audio may play)
  int frames = 0;
  int loudFrames = 0;
  std::string dtmf;
  int hangups = 0;
  HangupReason reason = HangupReason::Error;
  void onLegAudio(const AudioFrame& f) override {
    ++frames;
    int peak = 0;
    for (auto s : f.samples) peak = std::max(peak, std::abs(int{s}));
    if (peak > 1000) ++loudFrames;
    if (echo) leg->sendAudio(f);
  }
  void onLegDtmf(const DtmfEvent& e) override { dtmf.push_back(e.digit); }
  void onLegHangup(HangupReason r) override {
    ++hangups;
    reason = r;
  }
};

/// A loop on the test thread with a leg and a UDP peer that plays the far end.
struct Rig {
  uv_loop_t loop{};
  core::SystemClock clock;
  std::unique_ptr<Pacer> pacer;
  std::shared_ptr<Signals> signals = std::make_shared<Signals>();
  Listener listener;
  std::unique_ptr<SipLeg> leg;
  std::unique_ptr<core::UdpSocket> peer;
  int peerReceived = 0;
  int peerLoud = 0;
  G711Decoder peerDecoder{G711Law::Ulaw};
  G711Encoder peerEncoder{G711Law::Ulaw};
  /// RFC 4733 packets the peer got from the leg, parsed with the media core's parser.
  struct Event {
    bool marker;
    uint32_t timestamp;
    TelephoneEvent ev;
  };
  std::vector<Event> events;
  DtmfReceiver peerDtmf;
  std::string digits;
  std::vector<uint16_t> seqs;                  ///< every RTP sequence number received, in order
  std::vector<std::vector<uint8_t>> payloads;  ///< every PCMU payload received, in order
  uint16_t peerSeq = 100;
  uint32_t peerTs = 5000;

  explicit Rig(int mediaTimeoutMs, SipCodec codec = SipCodec::Pcmu) {
    uv_loop_init(&loop);
    pacer = std::make_unique<Pacer>(&loop, clock, "sip-leg-test");
    peer = std::make_unique<core::UdpSocket>(&loop, [this](auto data, const auto&) {
      auto p = RtpPacket::parse(data);
      if (p) seqs.push_back(p->sequenceNumber());
      if (p && p->payloadType() == 101) {
        if (auto ev = TelephoneEvent::parse(p->payload()))
          events.push_back({p->marker(), p->timestamp(), *ev});
        if (auto d = peerDtmf.onPacket(p->timestamp(), p->payload())) digits.push_back(d->digit);
        return;
      }
      if (!p || p->payloadType() != 0) return;
      ++peerReceived;
      payloads.emplace_back(p->payload().begin(), p->payload().end());
      std::array<int16_t, AudioDecoder::kMaxDecodeSamples> pcm;
      int n = peerDecoder.decode(p->payload(), pcm);
      int peak = 0;
      for (int i = 0; i < n; ++i) peak = std::max(peak, std::abs(int{pcm[static_cast<size_t>(i)]}));
      if (peak > 1000) ++peerLoud;
    });
    peer->bind(*core::SocketAddress::parse("127.0.0.1:0"));
    SipLegConfig cfg{.id = "leg-test",
                     .rtpBind = *core::SocketAddress::parse("127.0.0.1:0"),
                     // The SDP names a port nobody listens on: only latching reaches the peer.
                     .remote = core::SocketAddress::parse("127.0.0.1:9"),
                     .choice = SdpChoice{.codec = codec,
                                         .payloadType = codec == SipCodec::Pcma ? 8 : 0,
                                         .clockRate = 8000,
                                         .dtmfPayloadType = 101},
                     .mediaTimeoutMs = mediaTimeoutMs};
    // Port 0 for RTP would put RTCP on port 1: pick a real even port instead.
    core::UdpSocket probe(&loop, [](auto, const auto&) {});
    probe.bind(*core::SocketAddress::parse("127.0.0.1:0"));
    uint16_t port = probe.localAddress().port();
    probe.close();
    cfg.rtpBind =
        *core::SocketAddress::fromHostPort("127.0.0.1", static_cast<uint16_t>(port & ~1u));
    leg = std::make_unique<SipLeg>(&loop, *pacer, clock, cfg, signals);
    listener.leg = leg.get();
    leg->setListener(&listener);
  }
  ~Rig() {
    leg.reset();
    peer.reset();
    pacer.reset();
    uv_run(&loop, UV_RUN_NOWAIT);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }

  /// One 20 ms PCMU packet of a 400 Hz tone from the peer to the leg.
  void sendTone() {
    AudioFrame f;
    for (size_t i = 0; i < kFrameSamples; ++i)
      f.samples[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 400 * double(i) / 16000));
    std::array<uint8_t, 200> payload;
    int n = peerEncoder.encode(f, payload);
    sendRtp(0, false, std::span<const uint8_t>(payload.data(), static_cast<size_t>(n)), peerTs);
    peerTs += 160;
  }
  void sendRtp(uint8_t pt, bool marker, std::span<const uint8_t> payload, uint32_t ts) {
    std::array<uint8_t, 300> buf;
    RtpHeader h{.marker = marker,
                .payloadType = pt,
                .sequenceNumber = peerSeq++,
                .timestamp = ts,
                .ssrc = 0x1234};
    size_t len = RtpPacket::serialize(h, payload, buf);
    peer->send(std::span<const uint8_t>(buf.data(), len), leg->localRtpAddress());
  }

  template <typename Pred>
  void runUntil(Pred done, std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    core::Timer guard(&loop, [] {});
    guard.start(10, 10);  // wakes the loop so the limit is checked
    while (!done() && std::chrono::steady_clock::now() < until) uv_run(&loop, UV_RUN_ONCE);
  }
};

}  // namespace

TEST_CASE("sip leg latches to the real RTP source and echoes audio back") {
  Rig rig(5000);
  rig.leg->start();
  int sent = 0;
  core::Timer sender(&rig.loop, [&] {
    if (sent++ < 100) rig.sendTone();
  });
  sender.start(20, 20);
  rig.runUntil([&] { return sent >= 100 && rig.peerLoud > 40; }, std::chrono::seconds(5));
  sender.stop();
  CHECK(rig.leg->stats().rtpReceived >= 90);
  REQUIRE(rig.leg->remoteRtpAddress());
  CHECK(*rig.leg->remoteRtpAddress() == rig.peer->localAddress());
  CHECK(rig.leg->stats().relatches == 1);
  CHECK(rig.listener.loudFrames > 40);
  CHECK(rig.peerReceived > 40);
  CHECK(rig.peerLoud > 40);
  rig.leg->hangup();
  CHECK(rig.signals->ended == 1);
  CHECK((rig.signals->reason == HangupReason::Local));
  CHECK(rig.listener.hangups == 1);
}

TEST_CASE("sip leg reports one digit per RFC 4733 key press") {
  Rig rig(5000);
  rig.leg->start();
  // Digit 5: start with marker, two updates, three end packets, all at one timestamp.
  const uint32_t ts = 777;
  for (int i = 0; i < 6; ++i) {
    TelephoneEvent ev{.event = 5,
                      .end = i >= 3,
                      .volume = 10,
                      .duration = static_cast<uint16_t>(160 * (i < 3 ? i + 1 : 3))};
    std::array<uint8_t, 4> p;
    ev.serialize(p);
    rig.sendRtp(101, i == 0, p, ts);
  }
  rig.runUntil([&] { return !rig.listener.dtmf.empty(); }, std::chrono::seconds(2));
  rig.runUntil([] { return false; }, std::chrono::milliseconds(100));
  CHECK(rig.listener.dtmf == "5");
}

TEST_CASE("sip leg ends the call after the media timeout and asks for BYE") {
  Rig rig(300);
  rig.leg->start();
  rig.sendTone();
  rig.runUntil([&] { return rig.listener.hangups > 0; }, std::chrono::seconds(3));
  CHECK(rig.listener.hangups == 1);
  CHECK((rig.listener.reason == HangupReason::MediaTimeout));
  CHECK(rig.signals->ended == 1);
  CHECK((rig.signals->reason == HangupReason::MediaTimeout));
}

TEST_CASE("sip leg remote hangup sends no BYE") {
  Rig rig(5000);
  rig.leg->start();
  rig.leg->remoteHangup();
  rig.leg->remoteHangup();
  CHECK(rig.listener.hangups == 1);
  CHECK((rig.listener.reason == HangupReason::Remote));
  CHECK(rig.signals->ended == 0);
  CHECK(rig.leg->ended());
}

TEST_CASE("sip leg drops garbage and unknown payload types") {
  Rig rig(5000);
  rig.leg->start();
  std::array<uint8_t, 5> junk{1, 2, 3, 4, 5};
  rig.peer->send(junk, rig.leg->localRtpAddress());
  std::array<uint8_t, 160> payload{};
  rig.sendRtp(18, false, payload, 1);  // G.729: not negotiated
  rig.runUntil([&] { return rig.leg->stats().dropped >= 2; }, std::chrono::seconds(2));
  CHECK(rig.leg->stats().dropped == 2);
  CHECK(rig.leg->stats().rtpReceived == 0);
  CHECK(rig.leg->stats().relatches == 0);
}

TEST_CASE("sip leg sends queued RFC 4733 digits: marker first, three end packets, a gap") {
  Rig rig(5000);
  rig.leg->start();
  // The SDP address is dead: the peer's audio makes the leg latch to it first.
  for (int i = 0; i < 3; ++i) rig.sendTone();
  rig.runUntil([&] { return rig.peerReceived > 0; }, std::chrono::seconds(3));
  REQUIRE(rig.peerReceived > 0);
  CHECK(rig.leg->canSendDtmf());  // telephone-event was negotiated
  rig.leg->sendDtmf('1', 100);
  rig.leg->sendDtmf('x', 100);  // not a key: ignored
  rig.leg->sendDtmf('1', 100);  // the same key again must stay two presses
  rig.leg->sendDtmf('#', 60);
  auto ends = [&] {
    int n = 0;
    for (const auto& e : rig.events) n += e.ev.end;
    return n;
  };
  rig.runUntil([&] { return ends() >= 9; }, std::chrono::seconds(5));
  rig.runUntil([] { return false; }, std::chrono::milliseconds(100));
  CHECK(rig.digits == "11#");
  REQUIRE(ends() == 9);
  // Per key press: one start with the marker bit, one timestamp, durations growing to the
  // final one repeated by three end packets (100 ms = 800 ticks, 60 ms = 480 ticks).
  std::vector<std::vector<Rig::Event>> presses;
  for (const auto& e : rig.events) {
    if (presses.empty() || e.timestamp != presses.back().front().timestamp) presses.emplace_back();
    presses.back().push_back(e);
  }
  REQUIRE(presses.size() == 3);
  const uint16_t finals[] = {800, 800, 480};
  for (size_t k = 0; k < presses.size(); ++k) {
    const auto& p = presses[k];
    CHECK(p.front().marker);
    int markers = 0, endCount = 0;
    for (const auto& e : p) {
      markers += e.marker;
      if (e.ev.end) {
        ++endCount;
        CHECK(e.ev.duration == finals[k]);
      }
      CHECK(e.ev.volume == DtmfSender::kVolume);
    }
    CHECK(markers == 1);
    CHECK(endCount == 3);
    CHECK(p.back().ev.end);
  }
  // Each press starts after the previous one and its gap of audio (timestamps in 8 kHz ticks).
  CHECK(presses[1].front().timestamp - presses[0].front().timestamp >=
        800 + SipLeg::kDtmfGapMs * 8);
  CHECK(presses[2].front().timestamp - presses[1].front().timestamp >=
        800 + SipLeg::kDtmfGapMs * 8);
  // Events and audio share one sequence: no gaps (loopback UDP does not lose packets).
  for (size_t i = 1; i < rig.seqs.size(); ++i)
    CHECK(static_cast<uint16_t>(rig.seqs[i] - rig.seqs[i - 1]) == 1);
}

namespace {

/// µ-law bytes as a TTS would send them: speech-like codes, never the silence code 0xFF, so a
/// payload that carries any of them is told apart from the leg's own silence.
std::vector<uint8_t> ttsUlaw(size_t n) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((i * 37 + i / 160) % 0xFF);
  return out;
}

bool silent(const std::vector<uint8_t>& payload) {
  return std::all_of(payload.begin(), payload.end(), [](uint8_t b) { return b == kUlawSilence; });
}

/// Latches the leg onto the peer (the SDP address is dead) and waits for its first packet.
void latch(Rig& rig) {
  rig.listener.echo = false;
  rig.leg->start();
  for (int i = 0; i < 3; ++i) rig.sendTone();
  rig.runUntil([&] { return rig.peerReceived > 0; }, std::chrono::seconds(3));
  REQUIRE(rig.peerReceived > 0);
}

}  // namespace

TEST_CASE("sip leg on PCMU sends queued mu-law bytes as RTP payloads unchanged") {
  Rig rig(5000);
  CHECK((rig.leg->preferredOutboundFormat() == OutboundAudioFormat::Ulaw8k));
  latch(rig);
  // 10 whole frames and a partial one, in chunks that do not line up with frames.
  const auto tts = ttsUlaw(10 * kUlawFrameBytes + 50);
  size_t accepted = 0;
  for (size_t at = 0; at < tts.size(); at += 333) {
    auto chunk = std::span<const uint8_t>(tts).subspan(at, std::min<size_t>(333, tts.size() - at));
    accepted += rig.leg->sendUlaw(chunk);
  }
  CHECK(accepted == tts.size());
  CHECK(rig.leg->queuedAudioMs() == static_cast<int>(tts.size() / 8));
  rig.leg->endOfUtterance();
  rig.runUntil(
      [&] { return rig.leg->stats().passthroughFrames >= 11 && rig.leg->queuedAudioMs() == 0; },
      std::chrono::seconds(3));
  rig.runUntil([] { return false; }, std::chrono::milliseconds(100));
  CHECK(rig.leg->stats().passthroughFrames == 11);
  CHECK(rig.leg->playedSamples() == tts.size() * kPcmSamplesPerUlawByte);
  // The TTS bytes arrive as 11 consecutive payloads, byte for byte; the last one is padded with
  // µ-law silence.
  auto first = std::find_if(rig.payloads.begin(), rig.payloads.end(),
                            [](const auto& p) { return !silent(p); });
  REQUIRE(std::distance(first, rig.payloads.end()) >= 11);
  std::vector<uint8_t> got;
  for (auto it = first; it != first + 11; ++it) {
    CHECK(it->size() == kUlawFrameBytes);
    got.insert(got.end(), it->begin(), it->end());
  }
  std::vector<uint8_t> want = tts;
  want.resize(11 * kUlawFrameBytes, kUlawSilence);
  CHECK(got == want);
  for (auto it = first + 11; it != rig.payloads.end(); ++it) CHECK(silent(*it));
}

TEST_CASE("sip leg barge-in flush stops queued mu-law within one frame") {
  Rig rig(5000);
  latch(rig);
  const auto tts = ttsUlaw(5 * 8000);  // 5 s of agent speech
  REQUIRE(rig.leg->sendUlaw(tts) == tts.size());
  rig.runUntil([&] { return rig.leg->stats().passthroughFrames >= 5; }, std::chrono::seconds(3));
  REQUIRE(rig.leg->stats().passthroughFrames >= 5);
  const uint64_t sentBefore = rig.leg->stats().passthroughFrames;
  const uint64_t played = rig.leg->playedSamples();
  CHECK(played == sentBefore * kUlawFrameBytes * kPcmSamplesPerUlawByte);
  // Barge-in: everything queued is dropped and reported in 16 kHz sample times.
  CHECK(rig.leg->flushAudio() == tts.size() * kPcmSamplesPerUlawByte - played);
  CHECK(rig.leg->queuedAudioMs() == 0);
  const uint64_t rtpBefore = rig.leg->stats().rtpSent;
  rig.runUntil([&] { return rig.leg->stats().rtpSent >= rtpBefore + 10; }, std::chrono::seconds(3));
  rig.runUntil([] { return false; }, std::chrono::milliseconds(60));
  // The very next frame is silence: no TTS byte is sent after the flush.
  CHECK(rig.leg->stats().passthroughFrames == sentBefore);
  CHECK(rig.leg->playedSamples() == played);
  const auto loud = std::count_if(rig.payloads.begin(), rig.payloads.end(),
                                  [](const auto& p) { return !silent(p); });
  CHECK(static_cast<uint64_t>(loud) == sentBefore);
  CHECK(silent(rig.payloads.back()));
}

TEST_CASE("sip leg on PCMA keeps 16 kHz PCM and refuses mu-law bytes") {
  Rig rig(5000, SipCodec::Pcma);
  CHECK((rig.leg->preferredOutboundFormat() == OutboundAudioFormat::Pcm16k));
  const auto tts = ttsUlaw(kUlawFrameBytes);
  CHECK(rig.leg->sendUlaw(tts) == 0);
  CHECK(rig.leg->queuedAudioMs() == 0);
  std::vector<int16_t> pcm(kFrameSamples, 1000);
  CHECK(rig.leg->sendSamples(pcm) == pcm.size());
  CHECK(rig.leg->queuedAudioMs() == 20);
  CHECK(rig.leg->flushAudio() == pcm.size());
}
