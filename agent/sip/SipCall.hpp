#pragma once
// One phone call on its media loop: owns the SipLeg until the call talks, and connects it to
// what talks on it. Loop thread only (DESIGN.md §2); the SIP subsystem reaches it by posting.
//
// What talks: an echo (the caller hears their own voice one frame later — the classic echo test
// that proves the media path both ways) until the session of issue 7 is linked in; this class is
// the one place that changes then (hand the leg to agent::Session::start, keep a weak_ptr).
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/WorkerContext.hpp"
#include "core/Log.hpp"
#include "core/Timer.hpp"
#include "media/sip/SipLeg.hpp"

namespace parley::tools {
struct Tenant;
}

namespace parley::agent {

class SipCall final : public media::CallLegListener {
 public:
  /// `onEnded` runs once on the loop thread after the call hung up (the owner destroys this
  /// call on a later loop iteration). `context` and `loop` are borrowed.
  SipCall(std::unique_ptr<media::sip::SipLeg> leg, std::shared_ptr<const tools::Tenant> tenant,
          std::string callId, std::string callerNumber, WorkerContext& context, MediaLoop& loop,
          std::function<void()> onEnded);
  ~SipCall() override;
  SipCall(const SipCall&) = delete;
  SipCall& operator=(const SipCall&) = delete;

  /// Rings for `ringMs` (0: at once), then runs `answer` (sends the 200 OK) and start()s.
  /// Nothing happens if the call ended meanwhile (CANCEL).
  void answerAfter(int ringMs, std::function<void()> answer);
  /// The 200 OK went out: start media and the conversation. Registers with the session count.
  void start();
  /// Ends the call from our side (BYE follows through the leg's signalling). Idempotent.
  void hangup();
  /// The far end ended the dialog (BYE, CANCEL, transaction failure).
  void remoteHangup();
  /// A re-INVITE changed where media goes or its direction (hold / unhold).
  void updateRemote(std::optional<core::SocketAddress> remote, media::sip::SdpDirection ours);
  /// A key press signalled by SIP INFO.
  void deliverDtmf(char digit, int durationMs);

  // CallLegListener
  void onLegConnected() override;
  void onLegAudio(const media::AudioFrame& frame) override;
  void onLegDtmf(const media::DtmfEvent& event) override;
  void onLegHangup(media::HangupReason reason) override;

 private:
  std::unique_ptr<media::sip::SipLeg> leg_;
  std::shared_ptr<const tools::Tenant> tenant_;
  std::string callId_;
  std::string callerNumber_;
  WorkerContext& context_;  ///< borrowed
  MediaLoop& loop_;         ///< borrowed
  std::function<void()> onEnded_;
  core::Logger log_;
  std::unique_ptr<core::Timer> ringTimer_;
  bool registered_ = false;
  bool ended_ = false;
};

}  // namespace parley::agent
