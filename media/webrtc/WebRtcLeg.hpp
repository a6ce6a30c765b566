#pragma once
// A browser call: the CallLeg over WebRTC, composed like mediasoup's WebRtcTransport — an
// ICE-lite server, a DTLS transport (server role), two SRTP sessions, and the worker's shared
// UDP socket (WebRtcServer). Inbound: SRTP → RTP → Opus jitter buffer → one 16 kHz frame per
// pacer tick to the listener. Outbound: playout buffer → Opus → RTP → SRTP, one packet per
// pacer tick; RTCP SR/RR via RtcpSender. The call ends on hangup(), DTLS close_notify or RTCP
// BYE from the browser (Remote), no valid STUN or media for kConsentTimeoutMs (MediaTimeout),
// or a DTLS failure (Error). Packets from addresses ICE did not verify never reach it.
// Loop thread only. Per packet: no heap, no exceptions, no info logs.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/Clock.hpp"
#include "core/Log.hpp"
#include "core/Timer.hpp"
#include "media/JitterBuffer.hpp"
#include "media/Pacer.hpp"
#include "media/PlayoutBuffer.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/legs/CallLeg.hpp"
#include "media/rtp/ReceiverStats.hpp"
#include "media/rtp/RtcpSender.hpp"
#include "media/rtp/TelephoneEvent.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/IceLiteServer.hpp"
#include "media/webrtc/SrtpSession.hpp"
#include "media/webrtc/WebRtcServer.hpp"

namespace parley::media {

/// Everything the leg needs from signalling (the offer and our answer).
struct WebRtcLegOptions {
  std::string id;
  std::string localUfrag;  ///< advertised in the answer
  std::string localPwd;
  std::string remoteUfrag;        ///< from the offer
  std::string remoteFingerprint;  ///< sha-256 from the offer ("AB:CD:…")
  int opusPt = 111;
  int telephoneEventPt = -1;  ///< -1: not negotiated
  int telephoneEventRate = 8000;
  uint32_t ssrc = 0;  ///< our outbound SSRC (as in the answer)
  std::string cname;
  /// No valid STUN check and no media for this long ends the call (RFC 7675 consent: 30 s).
  int64_t consentTimeoutMs = IceLiteServer::kConsentTimeoutMs;
  /// Time allowed from start() to DTLS connected before the call fails.
  int64_t connectTimeoutMs = 20'000;
};

/// Counters for tests and the call record.
struct WebRtcLegStats {
  uint64_t stunRequests = 0;
  uint64_t rtpReceived = 0;
  uint64_t rtpSent = 0;
  uint64_t rtcpReceived = 0;
  uint64_t rtcpSent = 0;
  uint64_t srtpErrors = 0;  ///< failed unprotect (bad auth, replay, garbage from a verified path)
  uint64_t dropped = 0;     ///< media before DTLS, unknown payload types, parse failures
};

class WebRtcLeg final : public CallLeg,
                        public PacedSender,
                        public WebRtcEndpoint,
                        private DtlsListener {
 public:
  /// Largest datagram handled (Ethernet MTU); buffers are members, not per packet.
  static constexpr size_t kMaxPacket = 1500;

  /// All references are borrowed and must outlive the leg: `server` and `pacer` belong to the
  /// leg's media loop; `certificate` is shared. Throws core::Error on a setup failure.
  WebRtcLeg(WebRtcLegOptions options, std::shared_ptr<const DtlsCertificate> certificate,
            WebRtcServer& server, Pacer& pacer, uv_loop_t* loop, core::Clock& clock);
  ~WebRtcLeg() override;

  // CallLeg
  void setListener(CallLegListener* listener) override { listener_ = listener; }
  void start() override;
  bool sendAudio(const AudioFrame& frame) override { return playout_.push(frame); }
  size_t sendSamples(std::span<const int16_t> samples) override { return playout_.write(samples); }
  void endOfUtterance() override { playout_.markEnd(); }
  size_t flushAudio() override { return playout_.flush(); }
  int queuedAudioMs() const override { return playout_.queuedMs(); }
  uint64_t playedSamples() const override { return playout_.playedSamples(); }
  void sendDtmf(char digit, int durationMs = 100) override;
  void hangup() override { finish(HangupReason::Local); }
  LegKind kind() const override { return LegKind::WebRtc; }
  const std::string& id() const override { return options_.id; }

  // PacedSender
  void onPacerTick(int64_t deadlineNs) override;

  // WebRtcEndpoint
  void onStunPacket(const StunMessage& message, const core::SocketAddress& from) override;
  void onMediaPacket(PacketKind kind, std::span<const uint8_t> data,
                     const core::SocketAddress& from) override;

  bool iceConnected() const { return ice_.connected(); }
  bool dtlsConnected() const { return dtls_.state() == DtlsTransport::State::Connected; }
  bool ended() const { return ended_; }
  std::optional<SrtpProfile> srtpProfile() const;
  const WebRtcLegStats& stats() const { return stats_; }
  const JitterBufferStats& jitterStats() const { return jitter_.stats(); }

 private:
  // DtlsListener
  void onDtlsSend(std::span<const uint8_t> datagram) override;
  void onDtlsConnected(const SrtpKeys& keys) override;
  void onDtlsFailed(const char* reason) override;
  void onDtlsClosed() override;

  void onRtp(std::span<const uint8_t> data);
  void onRtcp(std::span<const uint8_t> data);
  void sendRtp(const RtpHeader& header, std::span<const uint8_t> payload);
  void sendRtcp(size_t length);
  void armDtlsTimer();
  void onHousekeeping();
  void finish(HangupReason reason);

  WebRtcLegOptions options_;
  WebRtcServer& server_;                 ///< borrowed: the loop's shared socket
  Pacer& pacer_;                         ///< borrowed: the loop's pacer
  core::Clock& clock_;                   ///< borrowed
  CallLegListener* listener_ = nullptr;  ///< borrowed back-reference
  core::Logger log_;

  IceLiteServer ice_;
  DtlsTransport dtls_;
  std::unique_ptr<SrtpSession> srtpIn_;
  std::unique_ptr<SrtpSession> srtpOut_;

  OpusAudioDecoder decoder_;
  JitterBuffer jitter_;
  OpusAudioEncoder encoder_;
  PlayoutBuffer playout_;
  ReceiverStats receiverStats_;
  RtcpSender rtcp_;
  DtmfReceiver dtmfIn_;
  DtmfSender dtmfOut_;

  core::Timer dtlsTimer_;
  core::Timer housekeeping_;

  std::array<uint8_t, kMaxPacket + SrtpSession::kMaxTrailer> rx_{};  ///< in-place unprotect
  std::array<uint8_t, kMaxPacket + SrtpSession::kMaxTrailer> tx_{};  ///< in-place protect
  std::array<uint8_t, OpusAudioEncoder::kMaxPacket> encoded_{};

  WebRtcLegStats stats_;
  uint16_t seq_;
  uint32_t rtpTs_;
  uint32_t remoteSsrc_ = 0;
  int64_t startNs_ = 0;
  int64_t lastMediaNs_ = 0;
  bool started_ = false;
  bool connected_ = false;
  bool ended_ = false;
  bool agentSpeaking_ = false;
  bool markerNext_ = true;
};

}  // namespace parley::media
