#include "media/webrtc/WebRtcLeg.hpp"

#include <openssl/rand.h>

namespace parley::media {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
/// Consent and connect deadlines are checked this often: their resolution, not their length.
constexpr uint64_t kHousekeepingMs = 500;

template <typename T>
T randomValue() {
  T v{};
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

}  // namespace

WebRtcLeg::WebRtcLeg(WebRtcLegOptions options, std::shared_ptr<const DtlsCertificate> certificate,
                     WebRtcServer& server, Pacer& pacer, uv_loop_t* loop, core::Clock& clock)
    : options_(std::move(options)),
      server_(server),
      pacer_(pacer),
      clock_(clock),
      log_(core::Logger("webrtc").with("leg", options_.id)),
      ice_(options_.localUfrag, options_.localPwd, options_.remoteUfrag),
      dtls_(std::move(certificate), DtlsTransport::Role::Server, options_.remoteFingerprint, *this),
      jitter_(decoder_, JitterBufferConfig{}, &JitterBufferMetrics::global()),
      receiverStats_(kOpusRtpClock),
      rtcp_(RtcpSenderConfig{options_.ssrc, options_.cname, kOpusRtpClock, 5000}, clock),
      dtmfIn_(options_.telephoneEventRate),
      dtmfOut_(options_.telephoneEventRate, kFrameMs),
      dtlsTimer_(loop,
                 [this] {
                   dtls_.handleTimeout();
                   armDtlsTimer();
                 }),
      housekeeping_(loop, [this] { onHousekeeping(); }),
      seq_(randomValue<uint16_t>()),
      rtpTs_(randomValue<uint32_t>()) {}

WebRtcLeg::~WebRtcLeg() {
  if (started_ && !ended_) {
    pacer_.remove(this);
    server_.remove(this);
  }
}

void WebRtcLeg::start() {
  if (started_) return;
  started_ = true;
  startNs_ = clock_.monoNs();
  server_.add(options_.localUfrag, this);
  dtls_.start();
  pacer_.add(this);
  housekeeping_.start(kHousekeepingMs, kHousekeepingMs);
  log_.info("waiting for ICE on {}", server_.localAddress().toString());
}

std::optional<SrtpProfile> WebRtcLeg::srtpProfile() const {
  if (!srtpOut_) return std::nullopt;
  return srtpOut_->profile();
}

void WebRtcLeg::onStunPacket(const StunMessage& message, const core::SocketAddress& from) {
  if (ended_) return;
  ++stats_.stunRequests;
  std::array<uint8_t, IceLiteServer::kMaxResponse> out{};
  const bool wasConnected = ice_.connected();
  const auto r = ice_.handle(message, from, out, clock_.monoNs());
  if (r.responseSize > 0) server_.send(std::span<const uint8_t>(out.data(), r.responseSize), from);
  if (r.outcome != IceLiteServer::Outcome::Accepted) {
    log_.debug("STUN from {} refused ({})", from.toString(), static_cast<int>(r.outcome));
    return;
  }
  server_.bindTuple(from, this);
  if (!wasConnected) log_.info("ICE connected via {}", from.toString());
  if (r.selectedChanged && wasConnected) log_.info("ICE path now {}", from.toString());
}

void WebRtcLeg::onMediaPacket(PacketKind kind, std::span<const uint8_t> data,
                              const core::SocketAddress& from) {
  if (ended_ || !ice_.isVerified(from)) {
    ++stats_.dropped;
    return;
  }
  switch (kind) {
    case PacketKind::Dtls:
      dtls_.receive(data);
      armDtlsTimer();
      break;
    case PacketKind::Rtp:
      onRtp(data);
      break;
    case PacketKind::Rtcp:
      onRtcp(data);
      break;
    default:
      ++stats_.dropped;
      break;
  }
}

void WebRtcLeg::onRtp(std::span<const uint8_t> data) {
  if (!srtpIn_ || data.size() > kMaxPacket) {
    ++stats_.dropped;
    return;
  }
  std::copy(data.begin(), data.end(), rx_.begin());
  size_t len = data.size();
  if (!srtpIn_->unprotectRtp(rx_.data(), len)) {
    ++stats_.srtpErrors;
    return;
  }
  auto rtp = RtpPacket::parse(std::span<const uint8_t>(rx_.data(), len));
  if (!rtp) {
    ++stats_.dropped;
    return;
  }
  const int64_t now = clock_.monoNs();
  lastMediaNs_ = now;
  ++stats_.rtpReceived;
  if (rtp->payloadType() == options_.opusPt) {
    if (remoteSsrc_ != rtp->ssrc()) {
      remoteSsrc_ = rtp->ssrc();
      receiverStats_ = ReceiverStats(kOpusRtpClock);
      rtcp_.setRemote(remoteSsrc_, &receiverStats_);
    }
    receiverStats_.onPacket(rtp->sequenceNumber(), rtp->timestamp(), now);
    jitter_.insert(*rtp, now);
  } else if (options_.telephoneEventPt >= 0 && rtp->payloadType() == options_.telephoneEventPt) {
    if (auto d = dtmfIn_.onPacket(rtp->timestamp(), rtp->payload()); d && listener_)
      listener_->onLegDtmf(DtmfEvent{d->digit, d->durationMs});
  } else {
    ++stats_.dropped;
  }
}

void WebRtcLeg::onRtcp(std::span<const uint8_t> data) {
  if (!srtpIn_ || data.size() > kMaxPacket) {
    ++stats_.dropped;
    return;
  }
  std::copy(data.begin(), data.end(), rx_.begin());
  size_t len = data.size();
  if (!srtpIn_->unprotectRtcp(rx_.data(), len)) {
    ++stats_.srtpErrors;
    return;
  }
  auto compound = RtcpCompound::parse(std::span<const uint8_t>(rx_.data(), len));
  if (!compound) {
    ++stats_.dropped;
    return;
  }
  const int64_t now = clock_.monoNs();
  lastMediaNs_ = now;
  ++stats_.rtcpReceived;
  bool bye = false;
  for (const RtcpPacketView& p : *compound) {
    if (p.type == 200) {
      if (auto sr = RtcpSenderReport::parse(p))
        receiverStats_.onSenderReport(sr->ntpTimestamp, now);
    } else if (p.type == 203) {
      if (auto b = RtcpBye::parse(p)) {
        for (size_t i = 0; i < b->ssrcCount; ++i) bye |= b->ssrcs[i] == remoteSsrc_;
      }
    }
  }
  // Browsers send BYE when a track stops; the call ends only when its audio source says so.
  if (bye && remoteSsrc_ != 0) finish(HangupReason::Remote);
}

void WebRtcLeg::onPacerTick(int64_t deadlineNs) {
  if (!connected_ || ended_) return;
  // Inbound: exactly one caller frame per 20 ms (silence or concealment included).
  AudioFrame in;
  jitter_.pull(in);
  if (listener_) listener_->onLegAudio(in);
  if (ended_) return;  // the listener hung up from inside the callback

  // Outbound: DTMF replaces audio while a digit is in progress (RFC 4733 §2.5.1.2).
  if (dtmfOut_.active()) {
    if (auto p = dtmfOut_.next()) {
      uint8_t payload[4];
      const size_t n = p->event.serialize(payload);
      RtpHeader h;
      h.marker = p->marker;
      h.payloadType = static_cast<uint8_t>(options_.telephoneEventPt);
      h.sequenceNumber = seq_++;
      h.timestamp = p->timestamp;
      h.ssrc = options_.ssrc;
      sendRtp(h, std::span<const uint8_t>(payload, n));
    }
    rtpTs_ += encoder_.ticksPerFrame();
  } else {
    AudioFrame out;
    const bool have = playout_.pop(out);
    if (!have) {
      out.clear();
      if (agentSpeaking_) {
        agentSpeaking_ = false;
        markerNext_ = true;
        if (listener_) listener_->onLegPlayoutDrained();
        if (ended_) return;
      }
    } else {
      agentSpeaking_ = true;
    }
    const int n = encoder_.encode(out, encoded_);
    if (n > 0) {
      RtpHeader h;
      h.marker = markerNext_ && have;  // RFC 3551 §4.1: first packet of a talkspurt
      if (have) markerNext_ = false;
      h.payloadType = static_cast<uint8_t>(options_.opusPt);
      h.sequenceNumber = seq_++;
      h.timestamp = rtpTs_;
      h.ssrc = options_.ssrc;
      sendRtp(h, std::span<const uint8_t>(encoded_.data(), static_cast<size_t>(n)));
    }
    rtpTs_ += encoder_.ticksPerFrame();
  }
  const size_t rtcpLen = rtcp_.poll(deadlineNs, tx_);
  if (rtcpLen > 0) sendRtcp(rtcpLen);
}

void WebRtcLeg::sendRtp(const RtpHeader& header, std::span<const uint8_t> payload) {
  const size_t n =
      RtpPacket::serialize(header, payload, std::span<uint8_t>(tx_.data(), kMaxPacket));
  if (n == 0 || !srtpOut_ || !ice_.selected()) return;
  size_t len = n;
  if (!srtpOut_->protectRtp(tx_.data(), len, tx_.size())) return;
  if (server_.send(std::span<const uint8_t>(tx_.data(), len), *ice_.selected())) {
    ++stats_.rtpSent;
    rtcp_.onRtpSent(header.timestamp, payload.size(), clock_.monoNs());
  }
}

void WebRtcLeg::sendRtcp(size_t length) {
  if (!srtpOut_ || !ice_.selected()) return;
  size_t len = length;
  if (!srtpOut_->protectRtcp(tx_.data(), len, tx_.size())) return;
  if (server_.send(std::span<const uint8_t>(tx_.data(), len), *ice_.selected())) ++stats_.rtcpSent;
}

void WebRtcLeg::sendDtmf(char digit, int durationMs) {
  if (options_.telephoneEventPt < 0) return;  // not negotiated: nothing to send it with
  dtmfOut_.start(digit, durationMs, rtpTs_);
}

void WebRtcLeg::onDtlsSend(std::span<const uint8_t> datagram) {
  if (ice_.selected()) server_.send(datagram, *ice_.selected());
}

void WebRtcLeg::onDtlsConnected(const SrtpKeys& keys) {
  dtlsTimer_.stop();
  srtpIn_ =
      SrtpSession::create(keys.profile, SrtpSession::Direction::Inbound, keys.remoteKeySalt());
  srtpOut_ =
      SrtpSession::create(keys.profile, SrtpSession::Direction::Outbound, keys.localKeySalt());
  if (!srtpIn_ || !srtpOut_) {
    log_.error("libsrtp2 refused the exported keys");
    finish(HangupReason::Error);
    return;
  }
  connected_ = true;
  lastMediaNs_ = clock_.monoNs();
  log_.info("DTLS connected, {}", toString(keys.profile));
  if (listener_) listener_->onLegConnected();
}

void WebRtcLeg::onDtlsFailed(const char* reason) {
  log_.warn("{}", reason);
  finish(HangupReason::Error);
}

void WebRtcLeg::onDtlsClosed() {
  log_.info("DTLS close_notify from the browser");
  finish(HangupReason::Remote);
}

void WebRtcLeg::armDtlsTimer() {
  const int64_t ms = dtls_.nextTimeoutMs();
  if (ms < 0)
    dtlsTimer_.stop();
  else
    dtlsTimer_.start(static_cast<uint64_t>(ms));
}

void WebRtcLeg::onHousekeeping() {
  if (ended_) return;
  const int64_t now = clock_.monoNs();
  if (!connected_) {
    if (now - startNs_ > options_.connectTimeoutMs * kNsPerMs) {
      log_.warn("no ICE/DTLS connection after {} ms", options_.connectTimeoutMs);
      finish(HangupReason::MediaTimeout);
    }
    return;
  }
  // RFC 7675: consent lapses when neither a valid check nor authenticated media came in.
  const int64_t last = std::max(ice_.lastConsentNs(), lastMediaNs_);
  if (now - last > options_.consentTimeoutMs * kNsPerMs) {
    log_.warn("no STUN or media for {} ms: consent expired", options_.consentTimeoutMs);
    finish(HangupReason::MediaTimeout);
  }
}

void WebRtcLeg::finish(HangupReason reason) {
  if (ended_ || !started_) {
    if (!started_ && !ended_) {
      ended_ = true;
      if (listener_) listener_->onLegHangup(reason);
    }
    return;
  }
  ended_ = true;
  if (connected_ && reason != HangupReason::Remote) {
    const size_t n = rtcp_.buildBye(clock_.monoNs(), tx_, "hangup");
    if (n > 0) sendRtcp(n);
    dtls_.close();  // close_notify: the browser's connection state goes to "closed"
  }
  dtlsTimer_.stop();
  housekeeping_.stop();
  pacer_.remove(this);
  server_.remove(this);
  log_.info("call ended ({})", toString(reason));
  if (listener_) listener_->onLegHangup(reason);
}

}  // namespace parley::media
