#pragma once
// The call leg of a SIP call: plain RTP/AVP audio (RFC 3550) over one UDP socket pair (RTP on
// an even port, RTCP on the next), G.711 or Opus as negotiated by SipSdp, RFC 4733 DTMF both
// ways, RTCP SR/RR, symmetric RTP and a media timeout. Signalling (INVITE/BYE) is not here: the
// SIP user agent runs on its own thread; this leg tells its SipLegSignalling when the call must
// be torn down (local hangup, media timeout) and is told when the far end hung up.
//
// Symmetric RTP (RFC 4961): we send to the address the peer's RTP really comes from, not only to
// the one in its SDP. Behind NAT the SDP address is private, so sending to it gives one-way
// audio; we latch to the source of the first valid packet of a negotiated payload type, and
// re-latch when a new source keeps sending while the old one went quiet (kRelatchPackets).
//
// Shapes: inbound 8 kHz G.711 (or 48 kHz-clock Opus) → 20 ms 16 kHz frames through the jitter
// buffer, one per pacer tick; outbound 16 kHz frames from the playout buffer → one RTP packet per
// 20 ms tick. On a PCMU call the leg prefers the agent's audio as 8 kHz µ-law bytes
// (preferredOutboundFormat() = Ulaw8k): those wait in their own queue and each 160-byte frame is
// the RTP payload as is — no decode, resample or encode (issue 9 "Phone audio"). Queued µ-law
// plays before queued PCM; a session uses one form per call. Loop thread only; no exceptions, heap
// or info logs on the packet path.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/Clock.hpp"
#include "core/SocketAddress.hpp"
#include "core/UdpSocket.hpp"
#include "media/JitterBuffer.hpp"
#include "media/Pacer.hpp"
#include "media/PlayoutBuffer.hpp"
#include "media/codec/AudioCodec.hpp"
#include "media/legs/CallLeg.hpp"
#include "media/rtp/ReceiverStats.hpp"
#include "media/rtp/RtcpSender.hpp"
#include "media/rtp/TelephoneEvent.hpp"
#include "media/sip/SipSdp.hpp"

namespace parley::media::sip {

/// What the leg asks of the SIP side (implemented by the owner that holds the dialog).
class SipLegSignalling {
 public:
  virtual ~SipLegSignalling() = default;
  /// The leg ended for a local reason (hangup(), media timeout): send BYE. Loop thread; the
  /// implementation hands the request to the SIP thread.
  virtual void onSipLegEnded(HangupReason reason) = 0;
};

struct SipLegConfig {
  std::string id = "sip";
  core::SocketAddress rtpBind;                ///< local IP and even RTP port (RTCP = port + 1)
  std::optional<core::SocketAddress> remote;  ///< RTP address from the remote SDP
  SdpChoice choice;                           ///< negotiated codec and DTMF payload types
  SdpDirection direction = SdpDirection::SendRecv;  ///< ours (answer) — sendonly/inactive mute
  int mediaTimeoutMs = 30'000;  ///< no RTP/RTCP for this long ends the call (sip.media_timeout_s)
  JitterBufferConfig jitter;
  /// Bounds each outbound queue, in 16 kHz samples (the µ-law queue holds the same duration).
  size_t playoutCapacitySamples = PlayoutBuffer::kDefaultCapacitySamples;
};

/// Counters for tests, metrics and the call record.
struct SipLegStats {
  uint64_t rtpReceived = 0;  ///< valid RTP packets of a negotiated payload type
  uint64_t rtpSent = 0;
  uint64_t rtcpReceived = 0;
  uint64_t rtcpSent = 0;
  uint64_t dropped = 0;    ///< garbage, unknown payload types, wrong source before latching
  uint64_t relatches = 0;  ///< remote address changes from symmetric RTP
  uint64_t dtmfReceived = 0;
  uint64_t dtmfSent = 0;  ///< key presses sent (RFC 4733), counted when they start
  uint64_t framesDelivered = 0;
  uint64_t passthroughFrames = 0;  ///< RTP payloads sent from queued µ-law bytes unchanged
};

class SipLeg final : public CallLeg, public PacedSender {
 public:
  /// A new source must send this many packets in a row, with nothing from the latched one in
  /// between, before we move to it (one stray packet must not steal the call's audio).
  static constexpr int kRelatchPackets = 5;
  /// Pause between queued key presses: phone menus need a gap to tell two presses of the same
  /// key apart (ITU-T Q.24 asks ≥ 40 ms; 100 ms on / 100 ms off is the usual dialling pace).
  static constexpr int kDtmfGapMs = 100;
  /// Digits that may wait: a phone menu path or a PIN is far shorter; bounds memory.
  static constexpr size_t kMaxQueuedDigits = 64;

  /// Binds the RTP and RTCP sockets on `loop` (control path): throws core::SystemError if a
  /// port is taken, core::Error if the codec cannot be created. `pacer` and `clock` are
  /// borrowed and must outlive the leg; `signalling` (may be null) is shared so it lives as long
  /// as the leg, wherever the leg is moved (a session owns it once the call runs).
  SipLeg(uv_loop_t* loop, Pacer& pacer, core::Clock& clock, SipLegConfig config,
         std::shared_ptr<SipLegSignalling> signalling);
  ~SipLeg() override;
  SipLeg(const SipLeg&) = delete;
  SipLeg& operator=(const SipLeg&) = delete;

  // CallLeg
  void setListener(CallLegListener* listener) override { listener_ = listener; }
  void start() override;
  bool sendAudio(const AudioFrame& frame) override;
  size_t sendSamples(std::span<const int16_t> samples) override;
  /// Ulaw8k when PCMU was negotiated (µ-law goes into RTP unchanged), else Pcm16k.
  OutboundAudioFormat preferredOutboundFormat() const override;
  /// Queues µ-law bytes on a PCMU call (0 accepted on PCMA/Opus calls, or after the end).
  size_t sendUlaw(std::span<const uint8_t> ulaw) override;
  void endOfUtterance() override;
  size_t flushAudio() override;
  int queuedAudioMs() const override;
  uint64_t playedSamples() const override;
  /// Queues an RFC 4733 key press (e.g. navigating the callee's phone menu): sent as
  /// telephone-event packets in place of audio, first with the marker bit, the end packet three
  /// times (§2.5.1), then kDtmfGapMs of audio before the next queued digit. Ignored without a
  /// negotiated telephone-event, for characters other than 0-9 * # A-D, and beyond
  /// kMaxQueuedDigits waiting. `durationMs` is clamped to [40, 5000].
  void sendDtmf(char digit, int durationMs = 100) override;
  /// True when telephone-event was negotiated.
  bool canSendDtmf() const override { return config_.choice.dtmfPayloadType >= 0; }
  void hangup() override { finish(HangupReason::Local, true); }
  LegKind kind() const override { return LegKind::Sip; }
  const std::string& id() const override { return config_.id; }

  // From the SIP side (posted to this loop).
  /// The far end sent BYE (or the dialog died): onLegHangup(Remote), no BYE sent back.
  void remoteHangup() { finish(HangupReason::Remote, false); }
  /// A re-INVITE changed the remote address or direction (hold: sendonly/inactive). Latching
  /// starts over at the new address.
  void updateRemote(std::optional<core::SocketAddress> remote, SdpDirection ourDirection);
  /// A key press received by SIP INFO (application/dtmf-relay) rather than RTP.
  void deliverDtmf(char digit, int durationMs);

  void onPacerTick(int64_t deadlineNs) override;

  core::SocketAddress localRtpAddress() const { return rtp_.localAddress(); }
  /// Where RTP goes now (latched source or SDP address); nullopt before either is known.
  const std::optional<core::SocketAddress>& remoteRtpAddress() const { return remote_; }
  const SipLegStats& stats() const { return stats_; }
  const JitterBufferStats& jitterStats() const { return jitter_->stats(); }
  bool ended() const { return ended_; }

 private:
  void onRtp(std::span<const uint8_t> data, const core::SocketAddress& from);
  void onRtcp(std::span<const uint8_t> data, const core::SocketAddress& from);
  void sendMedia(int64_t nowNs);
  void sendRtcp(int64_t nowNs);
  void finish(HangupReason reason, bool notifySignalling);
  std::optional<core::SocketAddress> rtcpTarget() const;

  Pacer& pacer_;        ///< borrowed
  core::Clock& clock_;  ///< borrowed
  SipLegConfig config_;
  std::shared_ptr<SipLegSignalling> signalling_;  ///< may be null
  CallLegListener* listener_ = nullptr;           ///< borrowed back-reference
  uint32_t ssrc_;  ///< ours; before rtcpSender_, which is built with it
  core::UdpSocket rtp_;
  core::UdpSocket rtcp_;
  std::unique_ptr<AudioEncoder> encoder_;
  std::unique_ptr<AudioDecoder> decoder_;
  std::unique_ptr<JitterBuffer> jitter_;
  PlayoutBuffer playout_;
  std::unique_ptr<UlawPlayoutBuffer> ulawPlayout_;  ///< owned; PCMU calls only
  ReceiverStats receiverStats_;
  RtcpSender rtcpSender_;
  DtmfReceiver dtmfIn_;
  DtmfSender dtmfOut_;
  /// Digits waiting behind the one being sent (digit, duration ms).
  std::deque<std::pair<char, int>> dtmfQueue_;
  int dtmfGapFrames_ = 0;  ///< frames of audio still owed before the next queued digit

  std::optional<core::SocketAddress> remote_;      ///< RTP destination
  std::optional<core::SocketAddress> remoteRtcp_;  ///< latched RTCP source, if any
  bool latched_ = false;
  std::optional<core::SocketAddress> candidate_;  ///< a new source seen after latching
  int candidatePackets_ = 0;
  uint32_t remoteSsrc_ = 0;

  uint16_t seq_;
  uint32_t timestamp_;
  int64_t lastMediaNs_ = 0;  ///< monotonic time of the last RTP/RTCP from the peer
  bool started_ = false;
  bool ended_ = false;
  bool agentSpeaking_ = false;
  SipLegStats stats_;
};

}  // namespace parley::media::sip
