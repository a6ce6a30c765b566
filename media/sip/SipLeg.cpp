#include "media/sip/SipLeg.hpp"

#include <array>
#include <random>

#include "core/Log.hpp"
#include "media/codec/G711Codec.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/rtp/RtcpPacket.hpp"

namespace parley::media::sip {
namespace {

/// RTCP reports every 5 s (RFC 3550 §6.2 minimum for a two-party session).
constexpr int kRtcpIntervalMs = 5000;

uint32_t random32() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return static_cast<uint32_t>(rng());
}

std::string randomCname() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (auto& c : s) c = kHex[random32() & 15];
  return s;
}

core::SocketAddress withPort(const core::SocketAddress& a, uint16_t port) {
  return *core::SocketAddress::fromHostPort(a.host(), port);
}

bool sends(SdpDirection d) {
  return d == SdpDirection::SendRecv || d == SdpDirection::SendOnly;
}

}  // namespace

SipLeg::SipLeg(uv_loop_t* loop, Pacer& pacer, core::Clock& clock, SipLegConfig config,
               std::shared_ptr<SipLegSignalling> signalling)
    : pacer_(pacer),
      clock_(clock),
      config_(std::move(config)),
      signalling_(std::move(signalling)),
      ssrc_(random32()),
      rtp_(loop, [this](auto data, const auto& from) { onRtp(data, from); }),
      rtcp_(loop, [this](auto data, const auto& from) { onRtcp(data, from); }),
      playout_(config_.playoutCapacitySamples),
      receiverStats_(config_.choice.clockRate),
      rtcpSender_(RtcpSenderConfig{.ssrc = ssrc_,
                                   .cname = randomCname(),
                                   .clockRate = config_.choice.clockRate,
                                   .intervalMs = kRtcpIntervalMs},
                  clock),
      dtmfIn_(config_.choice.dtmfClockRate),
      dtmfOut_(config_.choice.dtmfClockRate, kFrameMs),
      remote_(config_.remote),
      seq_(static_cast<uint16_t>(random32())),
      timestamp_(random32()) {
  switch (config_.choice.codec) {
    case SipCodec::Pcmu:
      encoder_ = std::make_unique<G711Encoder>(G711Law::Ulaw);
      decoder_ = std::make_unique<G711Decoder>(G711Law::Ulaw);
      ulawPlayout_ = std::make_unique<UlawPlayoutBuffer>(config_.playoutCapacitySamples /
                                                         kPcmSamplesPerUlawByte);
      break;
    case SipCodec::Pcma:
      encoder_ = std::make_unique<G711Encoder>(G711Law::Alaw);
      decoder_ = std::make_unique<G711Decoder>(G711Law::Alaw);
      break;
    case SipCodec::Opus:
      encoder_ = std::make_unique<OpusAudioEncoder>();
      decoder_ = std::make_unique<OpusAudioDecoder>();
      break;
  }
  jitter_ =
      std::make_unique<JitterBuffer>(*decoder_, config_.jitter, &JitterBufferMetrics::global());
  rtp_.bind(config_.rtpBind);
  rtcp_.bind(withPort(config_.rtpBind, static_cast<uint16_t>(config_.rtpBind.port() + 1)));
  lastMediaNs_ = clock_.monoNs();
}

SipLeg::~SipLeg() {
  if (started_ && !ended_) pacer_.remove(this);
}

void SipLeg::start() {
  if (started_ || ended_) return;
  started_ = true;
  lastMediaNs_ = clock_.monoNs();
  pacer_.add(this);
  if (listener_) listener_->onLegConnected();
}

bool SipLeg::sendAudio(const AudioFrame& frame) {
  return !ended_ && playout_.push(frame);
}

size_t SipLeg::sendSamples(std::span<const int16_t> samples) {
  return ended_ ? 0 : playout_.write(samples);
}

OutboundAudioFormat SipLeg::preferredOutboundFormat() const {
  return ulawPlayout_ ? OutboundAudioFormat::Ulaw8k : OutboundAudioFormat::Pcm16k;
}

size_t SipLeg::sendUlaw(std::span<const uint8_t> ulaw) {
  return ended_ || !ulawPlayout_ ? 0 : ulawPlayout_->write(ulaw);
}

void SipLeg::endOfUtterance() {
  playout_.markEnd();
  if (ulawPlayout_) ulawPlayout_->markEnd();
}

size_t SipLeg::flushAudio() {
  size_t dropped = playout_.flush();
  if (ulawPlayout_) dropped += ulawPlayout_->flush() * kPcmSamplesPerUlawByte;
  return dropped;
}

int SipLeg::queuedAudioMs() const {
  return playout_.queuedMs() + (ulawPlayout_ ? ulawPlayout_->queuedMs() : 0);
}

uint64_t SipLeg::playedSamples() const {
  return playout_.playedSamples() +
         (ulawPlayout_ ? ulawPlayout_->playedSamples() * kPcmSamplesPerUlawByte : 0);
}

void SipLeg::sendDtmf(char digit, int durationMs) {
  if (ended_ || config_.choice.dtmfPayloadType < 0 || !digitToEvent(digit)) return;
  if (dtmfQueue_.size() >= kMaxQueuedDigits) return;
  dtmfQueue_.emplace_back(digit, durationMs);
}

void SipLeg::updateRemote(std::optional<core::SocketAddress> remote, SdpDirection ourDirection) {
  if (ended_) return;
  config_.direction = ourDirection;
  if (remote && (!remote_ || !(*remote == *remote_))) {
    remote_ = remote;
    remoteRtcp_.reset();
    latched_ = false;
    candidate_.reset();
    candidatePackets_ = 0;
  }
  // Media stops on hold; do not let the silence count as a dead peer.
  lastMediaNs_ = clock_.monoNs();
}

void SipLeg::deliverDtmf(char digit, int durationMs) {
  if (ended_) return;
  ++stats_.dtmfReceived;
  if (listener_) listener_->onLegDtmf(DtmfEvent{.digit = digit, .durationMs = durationMs});
}

void SipLeg::onRtp(std::span<const uint8_t> data, const core::SocketAddress& from) {
  if (ended_) return;
  auto packet = RtpPacket::parse(data);
  const int pt = packet ? packet->payloadType() : -1;
  if (!packet || (pt != config_.choice.payloadType && pt != config_.choice.dtmfPayloadType)) {
    ++stats_.dropped;
    return;
  }
  // Symmetric RTP: latch to the first real source; move only when a new one persists.
  if (!latched_) {
    latched_ = true;
    if (!remote_ || !(*remote_ == from)) ++stats_.relatches;
    remote_ = from;
  } else if (!(*remote_ == from)) {
    if (candidate_ && *candidate_ == from) {
      ++candidatePackets_;
    } else {
      candidate_ = from;
      candidatePackets_ = 1;
    }
    if (candidatePackets_ < kRelatchPackets) {
      ++stats_.dropped;
      return;
    }
    remote_ = from;
    candidate_.reset();
    ++stats_.relatches;
    jitter_->reset();
  } else {
    candidate_.reset();
    candidatePackets_ = 0;
  }
  const int64_t now = clock_.monoNs();
  lastMediaNs_ = now;
  ++stats_.rtpReceived;
  if (remoteSsrc_ != packet->ssrc()) {
    remoteSsrc_ = packet->ssrc();
    receiverStats_ = ReceiverStats(config_.choice.clockRate);
    rtcpSender_.setRemote(remoteSsrc_, &receiverStats_);
  }
  receiverStats_.onPacket(packet->sequenceNumber(), packet->timestamp(), now);
  if (pt == config_.choice.dtmfPayloadType) {
    if (auto d = dtmfIn_.onPacket(packet->timestamp(), packet->payload())) {
      ++stats_.dtmfReceived;
      if (listener_)
        listener_->onLegDtmf(DtmfEvent{.digit = d->digit, .durationMs = d->durationMs});
    }
    return;
  }
  jitter_->insert(*packet, now);
}

void SipLeg::onRtcp(std::span<const uint8_t> data, const core::SocketAddress& from) {
  if (ended_) return;
  auto compound = RtcpCompound::parse(data);
  if (!compound) {
    ++stats_.dropped;
    return;
  }
  // Only RTCP from the peer's host counts (a stranger must not keep a dead call alive).
  if (remote_ && from.host() != remote_->host()) {
    ++stats_.dropped;
    return;
  }
  ++stats_.rtcpReceived;
  remoteRtcp_ = from;
  const int64_t now = clock_.monoNs();
  lastMediaNs_ = now;
  for (const auto& p : *compound) {
    if (p.type != static_cast<uint8_t>(RtcpType::SR)) continue;
    if (auto sr = RtcpSenderReport::parse(p); sr && sr->ssrc == remoteSsrc_)
      receiverStats_.onSenderReport(sr->ntpTimestamp, now);
  }
}

std::optional<core::SocketAddress> SipLeg::rtcpTarget() const {
  if (remoteRtcp_) return remoteRtcp_;
  if (!remote_) return std::nullopt;
  return withPort(*remote_, static_cast<uint16_t>(remote_->port() + 1));
}

void SipLeg::onPacerTick(int64_t deadlineNs) {
  if (ended_) return;
  const int64_t now = clock_.monoNs();
  if (config_.mediaTimeoutMs > 0 &&
      now - lastMediaNs_ > int64_t{config_.mediaTimeoutMs} * 1'000'000) {
    finish(HangupReason::MediaTimeout, true);
    return;
  }
  AudioFrame in;
  jitter_->pull(in);
  ++stats_.framesDelivered;
  if (listener_) listener_->onLegAudio(in);
  if (ended_) return;  // the listener hung up
  sendMedia(deadlineNs);
  sendRtcp(now);
}

void SipLeg::sendMedia(int64_t nowNs) {
  std::array<uint8_t, RtpPacket::kMaxPacketSize> buf;
  std::array<uint8_t, OpusAudioEncoder::kMaxPacket> payload;
  // The next 20 ms of agent audio: queued µ-law is already the PCMU payload; PCM is encoded
  // below. Popping happens even when nothing can be sent (hold, DTMF) so time keeps moving.
  std::array<uint8_t, kUlawFrameBytes> ulaw;
  const bool haveUlaw = ulawPlayout_ && ulawPlayout_->pop(ulaw);
  AudioFrame out;
  const bool have = haveUlaw || playout_.pop(out);
  if (have) {
    agentSpeaking_ = true;
  } else if (agentSpeaking_) {
    agentSpeaking_ = false;
    if (listener_) listener_->onLegPlayoutDrained();
    if (ended_) return;
  }
  const uint32_t frameTs = timestamp_;
  timestamp_ += encoder_->ticksPerFrame();
  if (!remote_ || !sends(config_.direction)) return;
  if (!dtmfOut_.active()) {
    if (dtmfGapFrames_ > 0) {
      --dtmfGapFrames_;
    } else if (!dtmfQueue_.empty()) {
      // The event starts at this frame's audio time, expressed in the telephone-event clock.
      auto [digit, ms] = dtmfQueue_.front();
      dtmfQueue_.pop_front();
      dtmfOut_.start(digit, ms,
                     static_cast<uint32_t>(uint64_t{frameTs} *
                                           static_cast<uint64_t>(config_.choice.dtmfClockRate) /
                                           static_cast<uint64_t>(config_.choice.clockRate)));
      dtmfGapFrames_ = kDtmfGapMs / kFrameMs;
      ++stats_.dtmfSent;
    }
  }
  if (auto ev = dtmfOut_.next()) {
    // RFC 4733 §2.5.1.1: the event replaces audio for its duration, same SSRC and sequence.
    size_t n = ev->event.serialize(payload);
    RtpHeader h{.marker = ev->marker,
                .payloadType = static_cast<uint8_t>(config_.choice.dtmfPayloadType),
                .sequenceNumber = seq_,
                .timestamp = static_cast<uint32_t>(
                    uint64_t{ev->timestamp} * static_cast<uint64_t>(config_.choice.clockRate) /
                    static_cast<uint64_t>(config_.choice.dtmfClockRate)),
                .ssrc = ssrc_};
    size_t len = RtpPacket::serialize(h, std::span<const uint8_t>(payload.data(), n), buf);
    if (len > 0 && rtp_.send(std::span<const uint8_t>(buf.data(), len), *remote_)) {
      ++seq_;
      ++stats_.rtpSent;
      rtcpSender_.onRtpSent(h.timestamp, n, nowNs);
    }
    return;
  }
  // Silence is sent too: trunks and NATs expect a steady stream, and comfort noise is not
  // negotiated. Encoding silence costs little (G.711) or nothing (Opus' silence packet).
  std::span<const uint8_t> body;
  if (haveUlaw) {
    body = ulaw;  // pass-through: the TTS's bytes are the payload
  } else {
    if (!have) out = AudioFrame{};
    int n = encoder_->encode(out, payload);
    if (n <= 0) return;
    body = std::span<const uint8_t>(payload.data(), static_cast<size_t>(n));
  }
  RtpHeader h{.marker = false,
              .payloadType = static_cast<uint8_t>(config_.choice.payloadType),
              .sequenceNumber = seq_,
              .timestamp = frameTs,
              .ssrc = ssrc_};
  size_t len = RtpPacket::serialize(h, body, buf);
  if (len > 0 && rtp_.send(std::span<const uint8_t>(buf.data(), len), *remote_)) {
    ++seq_;
    ++stats_.rtpSent;
    if (haveUlaw) ++stats_.passthroughFrames;
    rtcpSender_.onRtpSent(frameTs, body.size(), nowNs);
  }
}

void SipLeg::sendRtcp(int64_t nowNs) {
  auto target = rtcpTarget();
  if (!target) return;
  std::array<uint8_t, RtcpCompound::kMaxSize> buf;
  size_t n = rtcpSender_.poll(nowNs, buf);
  if (n > 0 && rtcp_.send(std::span<const uint8_t>(buf.data(), n), *target)) ++stats_.rtcpSent;
}

void SipLeg::finish(HangupReason reason, bool notifySignalling) {
  if (ended_) return;
  ended_ = true;
  if (started_) pacer_.remove(this);
  if (auto target = rtcpTarget(); target && stats_.rtpSent > 0) {
    std::array<uint8_t, RtcpCompound::kMaxSize> buf;
    size_t n = rtcpSender_.buildBye(clock_.monoNs(), buf);
    if (n > 0) rtcp_.send(std::span<const uint8_t>(buf.data(), n), *target);
  }
  rtp_.close();
  rtcp_.close();
  if (notifySignalling && signalling_) signalling_->onSipLegEnded(reason);
  if (listener_) listener_->onLegHangup(reason);
}

}  // namespace parley::media::sip
