#pragma once
// The call-leg interface: what a session (agent/) sees of a call, whatever carries it — WebRTC,
// SIP/RTP or a WAV file (DESIGN.md §1). Events go up through CallLegListener, commands go down
// as methods (STYLE.md "Events up, commands down").
//
// Audio shapes, both directions: AudioFrame = 20 ms of 16 kHz mono signed 16-bit PCM (320
// samples). Inbound, the leg delivers exactly one frame every 20 ms of media time while the call
// is up — silence or concealment included — so the VAD and STT see a continuous stream.
// Outbound, the session queues frames (or arbitrary 16 kHz sample runs) in the leg's playout
// buffer as fast as they come; the leg sends one frame per 20 ms pacer tick. A leg may also take
// the agent's audio already in its wire form (preferredOutboundFormat(): a SIP leg that negotiated
// PCMU takes 8 kHz µ-law bytes and puts them into RTP unchanged). Whatever the form, outbound
// amounts (flushAudio, playedSamples) are counted in 16 kHz sample times (16 per ms).
//
// Threading: a leg lives on one loop thread for its whole life; every method must be called, and
// every listener callback is made, on that thread. Nothing blocks.
#include <cstdint>
#include <span>
#include <string>

#include "media/AudioFrame.hpp"

namespace parley::media {

/// A DTMF digit received from the caller (RFC 4733 telephone-event, or a scripted file leg).
struct DtmfEvent {
  char digit = 0;      ///< '0'–'9', '*', '#', 'A'–'D'
  int durationMs = 0;  ///< as far as known when reported (0 if only the start was seen)
};

/// Why a call ended.
enum class HangupReason {
  Local,         ///< hangup() was called
  Remote,        ///< the other side hung up (BYE, DTLS close, end of the input file)
  MediaTimeout,  ///< no media for the leg's timeout
  Error,         ///< transport or setup failure
};

const char* toString(HangupReason reason) noexcept;

/// Which transport a leg uses (for logs, metrics and call records only; nothing above media/
/// may branch on it).
enum class LegKind { File, WebRtc, Sip };

/// Events from a leg to its owner (the session). Callbacks run on the leg's loop thread and must
/// not destroy the leg synchronously; defer destruction to the next loop iteration.
class CallLegListener {
 public:
  virtual ~CallLegListener() = default;
  /// The media path is up: inbound frames will follow, outbound audio will be sent.
  virtual void onLegConnected() {}
  /// 20 ms of caller audio (16 kHz mono s16). Exactly one per 20 ms of media time.
  virtual void onLegAudio(const AudioFrame& frame) = 0;
  /// A DTMF digit from the caller; once per key press.
  virtual void onLegDtmf(const DtmfEvent& event) = 0;
  /// The outbound playout buffer ran empty after playing audio (the agent finished speaking).
  virtual void onLegPlayoutDrained() {}
  /// The call is over. Last callback; no audio is delivered after it.
  virtual void onLegHangup(HangupReason reason) = 0;
};

/// Commands from the session to a leg.
class CallLeg {
 public:
  virtual ~CallLeg() = default;

  /// Sets the owner that receives events (borrowed back-reference; may be null to detach).
  virtual void setListener(CallLegListener* listener) = 0;
  /// Starts media. Control path: may throw core::Error on a setup failure.
  virtual void start() = 0;

  /// Queues one 20 ms frame of agent audio. Returns false if the playout buffer is full (the
  /// frame is dropped; agent output is droppable).
  virtual bool sendAudio(const AudioFrame& frame) = 0;
  /// Queues 16 kHz mono samples of any length (TTS chunks). Returns samples accepted.
  virtual size_t sendSamples(std::span<const int16_t> samples) = 0;
  /// The form of agent audio this leg sends without decoding, resampling or encoding; a session
  /// asks its TTS for it. Pcm16k (the default) is always accepted by sendSamples(); Ulaw8k means
  /// sendUlaw() is accepted too and is the cheaper path.
  virtual OutboundAudioFormat preferredOutboundFormat() const {
    return OutboundAudioFormat::Pcm16k;
  }
  /// Queues 8 kHz G.711 µ-law bytes of any length (one byte per 125 µs sample); they leave as
  /// kUlawFrameBytes (160-byte, 20 ms) RTP payloads byte for byte. Only legs whose
  /// preferredOutboundFormat() is Ulaw8k accept them; the default queues nothing. Returns the
  /// bytes accepted (fewer when the playout buffer is full: agent output is droppable).
  virtual size_t sendUlaw(std::span<const uint8_t> ulaw) {
    (void)ulaw;
    return 0;
  }
  /// Marks the end of an utterance so a partial last frame is padded and sent.
  virtual void endOfUtterance() = 0;
  /// Drops every queued outbound sample, PCM or µ-law (barge-in). Audio stops within one frame.
  /// Returns what will never be played, in 16 kHz sample times (a µ-law byte counts 2).
  virtual size_t flushAudio() = 0;
  /// Outbound audio still queued, in ms.
  virtual int queuedAudioMs() const = 0;
  /// Agent audio actually sent to the caller since start, in 16 kHz sample times (a µ-law byte
  /// counts 2), padding excluded (for "what was really said").
  virtual uint64_t playedSamples() const = 0;

  /// Sends a DTMF digit to the far end (RFC 4733 on RTP legs). `durationMs` ≥ 40.
  virtual void sendDtmf(char digit, int durationMs = 100) = 0;
  /// Whether sendDtmf() reaches the far end (a SIP leg with a negotiated telephone-event);
  /// false where it is ignored.
  virtual bool canSendDtmf() const { return false; }
  /// Ends the call; onLegHangup(Local) follows. Idempotent.
  virtual void hangup() = 0;

  virtual LegKind kind() const = 0;
  /// Stable id for logs and call records.
  virtual const std::string& id() const = 0;
};

}  // namespace parley::media
