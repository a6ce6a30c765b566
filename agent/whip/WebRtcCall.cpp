#include "agent/whip/WebRtcCall.hpp"

#include <nlohmann/json.hpp>

#include "agent/session/Session.hpp"
#include "tools/Tenant.hpp"

namespace parley::agent {

WebRtcCall::WebRtcCall(std::unique_ptr<media::WebRtcLeg> leg,
                       std::shared_ptr<const tools::Tenant> tenant,
                       std::shared_ptr<CallEvents> events, WorkerContext& context, MediaLoop& loop,
                       std::function<void()> onEnded)
    : leg_(std::move(leg)),
      legView_(leg_.get()),
      tenant_(std::move(tenant)),
      events_(std::move(events)),
      context_(context),
      loop_(loop),
      onEnded_(std::move(onEnded)) {}

WebRtcCall::~WebRtcCall() {
  // The owner destroys us on the loop thread; the temporary shared_ptr from lock() is never the
  // last one while the session runs (it keeps itself alive until its end).
  if (auto s = session_.lock()) {
    s->removeObserver(this);
    s->hangup();
  }
}

void WebRtcCall::start() {
  SessionParams p;
  p.tenant = tenant_;
  p.callerNumber = "";  // browsers have no caller ID
  p.callId = leg_->id();
  p.providers = context_.providerSettingsFor(*tenant_);
  p.store = context_.storeFor(*tenant_);
  p.legHasEchoCancellation = true;  // getUserMedia's echoCancellation is on by default
  events_->push("call", nlohmann::json{{"id", leg_->id()},
                                       {"tenant", tenant_->id},
                                       {"name", tenant_->displayName},
                                       {"mode", "agent"}}
                            .dump());
  p.leg = std::move(leg_);
  std::shared_ptr<Session> session = Session::start(loop_, context_.sessions(), std::move(p));
  session->addObserver(this);
  session_ = session;
}

void WebRtcCall::hangup() {
  if (auto s = session_.lock()) s->hangup();
}

void WebRtcCall::noteConnected() {
  if (connectedPushed_ || !legView_ || !legView_->dtlsConnected()) return;
  connectedPushed_ = true;
  nlohmann::json j{{"ice", legView_->iceConnected() ? "connected" : "checking"},
                   {"dtls", "connected"}};
  if (auto p = legView_->srtpProfile()) j["srtp"] = media::toString(*p);
  events_->push("connected", j.dump());
}

void WebRtcCall::onSessionState(dialog::TurnState state, double atS) {
  noteConnected();
  events_->push("state", nlohmann::json{{"state", dialog::toString(state)}, {"atS", atS}}.dump());
}

void WebRtcCall::onSessionInterim(const std::string& text) {
  noteConnected();
  events_->push("interim", nlohmann::json{{"text", text}}.dump());
}

void WebRtcCall::onSessionTranscript(const dialog::TranscriptLine& line) {
  noteConnected();
  events_->push("transcript", nlohmann::json{{"speaker", dialog::toString(line.speaker)},
                                             {"text", line.text},
                                             {"atS", line.atS},
                                             {"interrupted", line.interrupted}}
                                  .dump());
}

void WebRtcCall::onSessionToolCall(const dialog::ToolCallRecord& call) {
  events_->push("tool", nlohmann::json{{"name", call.name},
                                       {"turn", call.turn},
                                       {"error", call.error},
                                       {"durationMs", call.durationMs}}
                            .dump());
}

void WebRtcCall::onSessionTurnMetrics(const dialog::TurnMetrics& m) {
  events_->push("turn", nlohmann::json{{"turn", m.turn},
                                       {"voiceToVoiceMs", m.voiceToVoiceMs},
                                       {"sttFinalLatencyMs", m.sttFinalLatencyMs},
                                       {"llmTimeToFirstTokenMs", m.llmTimeToFirstTokenMs},
                                       {"ttsTimeToFirstByteMs", m.ttsTimeToFirstByteMs},
                                       {"endOfUtteranceDelayMs", m.endOfUtteranceDelayMs},
                                       {"toolRounds", m.toolRounds},
                                       {"interrupted", m.interrupted}}
                            .dump());
}

void WebRtcCall::onSessionBargeIn(const dialog::BargeInRecord& b) {
  events_->push("bargein", nlohmann::json{{"turn", b.turn},
                                          {"atS", b.atS},
                                          {"onsetToDecisionMs", b.onsetToDecisionMs},
                                          {"heardText", b.heardText}}
                               .dump());
}

void WebRtcCall::onSessionEnded(const dialog::CallRecord& record) {
  if (ended_) return;
  ended_ = true;
  noteConnected();
  nlohmann::json j{{"reason", record.endReason},
                   {"outcome", dialog::toString(record.outcome)},
                   {"summary", record.summary},
                   {"durationS", record.durationS}};
  if (legView_) {  // the session still owns the leg during this callback
    const auto& s = legView_->stats();
    j["rtpReceived"] = s.rtpReceived;
    j["rtpSent"] = s.rtpSent;
  }
  legView_ = nullptr;  // the session and its leg are freed after this callback
  events_->push("ended", j.dump());
  if (onEnded_) onEnded_();
}

}  // namespace parley::agent
