#pragma once
// One browser call on its media loop: hands the WebRtcLeg to an agent::Session (the real
// dialog: VAD, STT, LLM with the tenant's booking tools, TTS) and reports what the session does
// to the call's CallEvents log, which the test page reads over SSE (agent/web/app.js renders
// the event shapes below).
//
// Events pushed (type → JSON data):
//   call       {id, tenant, name, mode:"agent"}              once, before the session starts
//   connected  {ice, dtls, srtp?}                             once ICE and DTLS are up
//   state      {state, atS}                                   dialog::toString(TurnState)
//   interim    {text}                                         live caller caption
//   transcript {speaker:"caller"|"agent", text, atS, interrupted}
//   tool       {name, turn, error, durationMs}
//   turn       {turn, voiceToVoiceMs, sttFinalLatencyMs, llmTimeToFirstTokenMs,
//               ttsTimeToFirstByteMs, endOfUtteranceDelayMs, toolRounds, interrupted}  (ms; <0 =
//               n/a)
//   bargein    {turn, atS, onsetToDecisionMs, heardText}
//   ended      {reason, outcome, summary, durationS, rtpReceived, rtpSent}   last event
//
// Threading and lifetime: everything here runs on the call's media loop thread, and the
// WebRtcCall itself is created and destroyed there. The session keeps itself alive until the
// call ends (Session.hpp); this class holds only a weak_ptr and locks it on the loop thread, so
// the session's destructor always runs on its loop. The session does the SessionRegistry
// started()/ended() bookkeeping, so this class does not.
#include <functional>
#include <memory>

#include "agent/WorkerContext.hpp"
#include "agent/session/SessionObserver.hpp"
#include "agent/whip/CallEvents.hpp"
#include "media/webrtc/WebRtcLeg.hpp"

namespace parley::tools {
struct Tenant;
}

namespace parley::agent {

class Session;

class WebRtcCall final : public SessionObserver {
 public:
  /// `onEnded` runs once, on the loop thread, after the session ended (the owner then destroys
  /// this call on a later loop iteration). `context` and `loop` are borrowed.
  WebRtcCall(std::unique_ptr<media::WebRtcLeg> leg, std::shared_ptr<const tools::Tenant> tenant,
             std::shared_ptr<CallEvents> events, WorkerContext& context, MediaLoop& loop,
             std::function<void()> onEnded);
  ~WebRtcCall() override;

  /// Starts the session on the leg (the leg then waits for ICE; the greeting plays once DTLS is
  /// up). Loop thread. Throws core::Error if the providers (e.g. local engines still loading),
  /// the tenant's store or the leg cannot be set up; nothing is registered then and `onEnded`
  /// is not called — the caller reports the error and drops this call.
  void start();
  /// Ends the call from our side (idempotent). Loop thread.
  void hangup();

  // SessionObserver (loop thread)
  void onSessionState(dialog::TurnState state, double atS) override;
  void onSessionInterim(const std::string& text) override;
  void onSessionTranscript(const dialog::TranscriptLine& line) override;
  void onSessionToolCall(const dialog::ToolCallRecord& call) override;
  void onSessionTurnMetrics(const dialog::TurnMetrics& metrics) override;
  void onSessionBargeIn(const dialog::BargeInRecord& bargeIn) override;
  void onSessionEnded(const dialog::CallRecord& record) override;

 private:
  /// Pushes the "connected" event the first time the leg reports DTLS up. The session is the
  /// leg's listener, so the first session event after connect stands in for onLegConnected
  /// (the conversation starts only when the leg connects).
  void noteConnected();

  std::unique_ptr<media::WebRtcLeg> leg_;  ///< owned until start() hands it to the session
  media::WebRtcLeg* legView_ = nullptr;    ///< borrowed from the session while it is alive
  std::shared_ptr<const tools::Tenant> tenant_;
  std::shared_ptr<CallEvents> events_;
  WorkerContext& context_;  ///< borrowed
  MediaLoop& loop_;         ///< borrowed
  std::function<void()> onEnded_;
  std::weak_ptr<Session> session_;  ///< locked on the loop thread only
  bool connectedPushed_ = false;
  bool ended_ = false;
};

}  // namespace parley::agent
