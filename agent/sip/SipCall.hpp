#pragma once
// One phone call on its media loop: holds the SipLeg while it rings, then hands it to an
// agent::Session (DESIGN.md §1: the session binds the leg to the conversation and the tenant)
// and watches the session. Loop thread only (DESIGN.md §2); the SIP subsystem reaches it by
// posting tasks.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/WorkerContext.hpp"
#include "agent/session/SessionObserver.hpp"
#include "core/Log.hpp"
#include "core/Timer.hpp"
#include "media/sip/SipLeg.hpp"

namespace parley::tools {
struct Tenant;
}

namespace parley::agent {

class Session;

/// Who is on a phone call and why (what the session is told).
struct SipCallInfo {
  std::string callId;
  std::string callerNumber;  ///< E.164 when known: the caller, or whom we dialled (outbound)
  std::string calleeNumber;  ///< the DID called, or whom we dialled (outbound)
  bool outbound = false;
  std::string contextJson;  ///< outbound: POST /v1/calls "context" ("" if none)
  /// Sends the blind transfer (REFER to the tenant's transfer_to); empty when the tenant has
  /// none, and transfer_call is then refused. Runs on the loop thread; posts to the SIP thread.
  std::function<void()> transfer;
};

class SipCall final : public media::CallLegListener, public SessionObserver {
 public:
  /// `signalling` is the leg's (BYE on a local end; used if the session cannot start).
  /// `onEnded` runs once on the loop thread after the call ended (the owner destroys this call
  /// on a later loop iteration). `context` and `loop` are borrowed.
  SipCall(std::unique_ptr<media::sip::SipLeg> leg,
          std::shared_ptr<media::sip::SipLegSignalling> signalling,
          std::shared_ptr<const tools::Tenant> tenant, SipCallInfo info, WorkerContext& context,
          MediaLoop& loop, std::function<void()> onEnded);
  ~SipCall() override;
  SipCall(const SipCall&) = delete;
  SipCall& operator=(const SipCall&) = delete;

  /// Rings for `ringMs` (0: at once), then runs `answer` (sends the 200 OK) and start()s.
  /// Nothing happens if the call ended meanwhile (CANCEL).
  void answerAfter(int ringMs, std::function<void()> answer);
  /// The 200 OK went out: the session takes the leg, starts media and greets the caller.
  void start();
  /// Ends the call from our side (BYE follows through the leg's signalling). Idempotent.
  void hangup();
  /// The far end ended the dialog (BYE, CANCEL, transaction failure).
  void remoteHangup();
  /// A re-INVITE changed where media goes or its direction (hold / unhold).
  void updateRemote(std::optional<core::SocketAddress> remote, media::sip::SdpDirection ours);
  /// A key press signalled by SIP INFO.
  void deliverDtmf(char digit, int durationMs);
  /// Sends key presses to the far end (RFC 4733 on the leg, queued; e.g. a phone menu on an
  /// outbound call). `digits`: 0-9 * # A-D, already validated; `durationMs` per press.
  void sendDigits(const std::string& digits, int durationMs);

  // CallLegListener: only while ringing (the session listens once it runs).
  void onLegAudio(const media::AudioFrame&) override {}
  void onLegDtmf(const media::DtmfEvent&) override {}
  void onLegHangup(media::HangupReason reason) override;

  // SessionObserver: the call's timeline goes to the log (info, one line per change), so an
  // operator — or a test driving a softphone — can follow the turns of a phone call.
  void onSessionState(dialog::TurnState state, double atS) override;
  void onSessionTranscript(const dialog::TranscriptLine& line) override;
  void onSessionTurnMetrics(const dialog::TurnMetrics& metrics) override;
  void onSessionEnded(const dialog::CallRecord& record) override;

 private:
  /// The leg, wherever it is now (ours while ringing, the session's after); null once gone.
  media::sip::SipLeg* liveLeg();
  void finish();

  std::unique_ptr<media::sip::SipLeg> leg_;  ///< owned until start() hands it to the session
  media::sip::SipLeg* legView_;              ///< the leg, valid while leg_ or the session lives
  std::shared_ptr<media::sip::SipLegSignalling> signalling_;
  std::shared_ptr<const tools::Tenant> tenant_;
  SipCallInfo info_;
  WorkerContext& context_;  ///< borrowed
  MediaLoop& loop_;         ///< borrowed
  std::function<void()> onEnded_;
  core::Logger log_;
  std::unique_ptr<core::Timer> ringTimer_;
  std::weak_ptr<Session> session_;
  bool ended_ = false;
};

}  // namespace parley::agent
