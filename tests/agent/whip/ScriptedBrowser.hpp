#pragma once
// A scripted WebRTC browser for tests against a real worker, built from Parley's own media
// parts in their peer roles (the same shape as FakeBrowser in tests/media/webrtc/
// WebRtcLegTest.cpp): ICE controlling agent (STUN checks with USE-CANDIDATE every 500 ms), DTLS
// client, SRTP both ways, Opus. Sends a quiet 440 Hz tone as the caller (real Opus packets, but
// well below speech level: a loud steady tone reads as a caller talking over the greeting, and
// whether the greeting is then heard depends on barge-in timing, not on the media path under
// test); counts the agent's packets and its loud frames. Lives on one uv loop (create, use and
// destroy it on that loop's thread); the counters are atomics so a test thread may read them.
#include <uv.h>

#include <array>
#include <atomic>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/SocketAddress.hpp"
#include "core/Timer.hpp"
#include "core/UdpSocket.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/rtp/RtpPacket.hpp"
#include "media/webrtc/DtlsCertificate.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/SrtpSession.hpp"
#include "media/webrtc/StunMessage.hpp"

namespace parley::test {

class ScriptedBrowser : private media::DtlsListener {
 public:
  /// `server`: the answer's host candidate. `serverUfrag`/`serverPwd`: the answer's ICE
  /// credentials; `clientUfrag`: the offer's. `cert`: the certificate whose fingerprint the offer
  /// carried; `serverFingerprint`: the answer's.
  ScriptedBrowser(uv_loop_t* loop, core::SocketAddress server, std::string serverUfrag,
                  std::string serverPwd, std::string clientUfrag,
                  std::shared_ptr<const media::DtlsCertificate> cert, std::string serverFingerprint,
                  int opusPt)
      : server_(server),
        serverUfrag_(std::move(serverUfrag)),
        serverPwd_(std::move(serverPwd)),
        clientUfrag_(std::move(clientUfrag)),
        opusPt_(opusPt),
        socket_(loop,
                [this](std::span<const uint8_t> d, const core::SocketAddress&) { onData(d); }),
        dtls_(std::move(cert), media::DtlsTransport::Role::Client, std::move(serverFingerprint),
              *this),
        tick_(loop, [this] { onTick(); }) {
    socket_.bind(*core::SocketAddress::parse("127.0.0.1:0"));
  }
  ~ScriptedBrowser() override {
    tick_.stop();
    socket_.close();
  }

  void start() { tick_.start(20, 20); }

  std::atomic<bool> iceOk{false};
  std::atomic<bool> dtlsUp{false};
  std::atomic<bool> dtlsClosed{false};
  std::atomic<int> rtpReceived{0};
  std::atomic<int> loudFramesReceived{0};
  std::atomic<int> rtpSent{0};

 private:
  static double rms(std::span<const int16_t> s) {
    double sum = 0;
    for (int16_t v : s) sum += double(v) * v;
    return s.empty() ? 0 : std::sqrt(sum / double(s.size()));
  }

  void sendCheck() {
    std::array<uint8_t, 300> buf{};
    std::array<uint8_t, 12> txid{};
    for (auto& b : txid) b = static_cast<uint8_t>(rng_());
    media::StunBuilder b(buf, media::StunClass::Request, media::StunMessage::kBindingMethod, txid);
    b.addString(media::StunAttr::Username, serverUfrag_ + ":" + clientUfrag_);
    b.addUint32(media::StunAttr::Priority, 2122194687);
    b.addUint64(media::StunAttr::IceControlling, 0x0102030405060708ull);
    b.addFlag(media::StunAttr::UseCandidate);
    b.addMessageIntegrity(serverPwd_);
    b.addFingerprint();
    socket_.send(std::span<const uint8_t>(buf.data(), b.size()), server_);
  }

  void onTick() {
    ++ticks_;
    if (ticks_ % 25 == 1) sendCheck();  // consent freshness every 500 ms
    if (iceOk && dtls_.state() == media::DtlsTransport::State::New) dtls_.start();
    if (dtls_.state() == media::DtlsTransport::State::Connecting) dtls_.handleTimeout();
    if (!dtlsUp) return;
    media::AudioFrame f;
    for (auto& s : f.samples)  // amplitude 40: about -58 dBFS, a quiet line
      s = static_cast<int16_t>(40 * std::sin(2 * M_PI * 440.0 * double(phase_++) / 16000));
    const int n = encoder_.encode(f, std::span<uint8_t>(payload_.data(), payload_.size()));
    if (n <= 0) return;
    media::RtpHeader h;
    h.payloadType = static_cast<uint8_t>(opusPt_);
    h.sequenceNumber = seq_++;
    h.timestamp = ts_;
    ts_ += 960;
    h.ssrc = 0xB0B0B0B0;
    size_t len =
        media::RtpPacket::serialize(h, std::span<const uint8_t>(payload_.data(), size_t(n)),
                                    std::span<uint8_t>(pkt_.data(), 1500));
    if (srtpOut_->protectRtp(pkt_.data(), len, pkt_.size()) &&
        socket_.send(std::span<const uint8_t>(pkt_.data(), len), server_))
      ++rtpSent;
  }

  void onData(std::span<const uint8_t> d) {
    if (media::StunMessage::isStun(d)) {
      auto m = media::StunMessage::parse(d);
      if (m && m->messageClass() == media::StunClass::Success && m->checkIntegrity(serverPwd_) &&
          m->checkFingerprint())
        iceOk = true;
      return;
    }
    if (media::DtlsTransport::isDtls(d)) {
      dtls_.receive(d);
      return;
    }
    if (!srtpIn_ || !media::RtpPacket::isRtp(d)) return;
    std::vector<uint8_t> buf(d.begin(), d.end());
    size_t len = buf.size();
    if (!srtpIn_->unprotectRtp(buf.data(), len)) return;
    auto rtp = media::RtpPacket::parse(std::span<const uint8_t>(buf.data(), len));
    if (!rtp || rtp->payloadType() != opusPt_) return;
    ++rtpReceived;
    std::array<int16_t, media::AudioDecoder::kMaxDecodeSamples> pcm{};
    const int n = decoder_.decode(rtp->payload(), pcm);
    if (n > 0 && rms(std::span<const int16_t>(pcm.data(), size_t(n))) > 500) ++loudFramesReceived;
  }

  void onDtlsSend(std::span<const uint8_t> d) override { socket_.send(d, server_); }
  void onDtlsConnected(const media::SrtpKeys& k) override {
    srtpOut_ = media::SrtpSession::create(k.profile, media::SrtpSession::Direction::Outbound,
                                          k.localKeySalt());
    srtpIn_ = media::SrtpSession::create(k.profile, media::SrtpSession::Direction::Inbound,
                                         k.remoteKeySalt());
    dtlsUp = srtpOut_ && srtpIn_;
  }
  void onDtlsFailed(const char*) override {}
  void onDtlsClosed() override { dtlsClosed = true; }

  core::SocketAddress server_;
  std::string serverUfrag_, serverPwd_, clientUfrag_;
  int opusPt_;
  core::UdpSocket socket_;
  media::DtlsTransport dtls_;
  core::Timer tick_;
  std::unique_ptr<media::SrtpSession> srtpOut_, srtpIn_;
  media::OpusAudioEncoder encoder_;
  media::OpusAudioDecoder decoder_;
  std::array<uint8_t, 1500> payload_{};
  std::array<uint8_t, 1500 + media::SrtpSession::kMaxTrailer> pkt_{};
  std::mt19937 rng_{11};
  uint64_t phase_ = 0;
  uint64_t ticks_ = 0;
  uint16_t seq_ = 1000;
  uint32_t ts_ = 5000;
};

}  // namespace parley::test
