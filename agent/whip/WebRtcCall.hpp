#pragma once
// One browser call on its media loop: owns the WebRtcLeg and connects it to what talks on it,
// reporting the call's events to its CallEvents log (read by the page over SSE).
//
// Until the session (issue 7) is linked in, what talks is an echo: the caller hears their own
// voice back, one frame later — the classic "echo test" call that proves the media path both
// ways. WebRtcCall is the one place that changes when sessions land: it will hand the leg to
// agent::Session::start and observe the session instead.
#include <functional>
#include <memory>

#include "agent/WorkerContext.hpp"
#include "agent/whip/CallEvents.hpp"
#include "media/webrtc/WebRtcLeg.hpp"

namespace parley::tools {
struct Tenant;
}

namespace parley::agent {

class WebRtcCall final : public media::CallLegListener {
 public:
  /// `onEnded` runs once, on the loop thread, after the leg hung up (the owner then destroys
  /// this call on a later loop iteration). `context` and `loop` are borrowed.
  WebRtcCall(std::unique_ptr<media::WebRtcLeg> leg, std::shared_ptr<const tools::Tenant> tenant,
             std::shared_ptr<CallEvents> events, WorkerContext& context, MediaLoop& loop,
             std::function<void()> onEnded);
  ~WebRtcCall() override;

  /// Starts the leg (waits for ICE). Registers with the worker's session count.
  void start();
  /// Ends the call (idempotent).
  void hangup();

  // CallLegListener
  void onLegConnected() override;
  void onLegAudio(const media::AudioFrame& frame) override;
  void onLegDtmf(const media::DtmfEvent& event) override;
  void onLegPlayoutDrained() override {}
  void onLegHangup(media::HangupReason reason) override;

 private:
  std::unique_ptr<media::WebRtcLeg> leg_;
  std::shared_ptr<const tools::Tenant> tenant_;
  std::shared_ptr<CallEvents> events_;
  WorkerContext& context_;  ///< borrowed
  MediaLoop& loop_;         ///< borrowed
  std::function<void()> onEnded_;
  bool registered_ = false;
  bool ended_ = false;
};

}  // namespace parley::agent
