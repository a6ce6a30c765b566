#include "agent/sip/SipCall.hpp"

#include "agent/session/Session.hpp"
#include "core/Error.hpp"
#include "tools/Tenant.hpp"

namespace parley::agent {

SipCall::SipCall(std::unique_ptr<media::sip::SipLeg> leg,
                 std::shared_ptr<media::sip::SipLegSignalling> signalling,
                 std::shared_ptr<const tools::Tenant> tenant, SipCallInfo info,
                 WorkerContext& context, MediaLoop& loop, std::function<void()> onEnded)
    : leg_(std::move(leg)),
      legView_(leg_.get()),
      signalling_(std::move(signalling)),
      tenant_(std::move(tenant)),
      info_(std::move(info)),
      context_(context),
      loop_(loop),
      onEnded_(std::move(onEnded)),
      log_(core::Logger("sip").with("call_id", info_.callId).with("tenant", tenant_->id)) {
  leg_->setListener(this);
}

SipCall::~SipCall() {
  if (leg_) {
    leg_->setListener(nullptr);
    if (!ended_) leg_->hangup();
  }
  // The temporary shared_ptr from lock() is never the last one while the session runs (it keeps
  // itself alive until its end).
  if (auto s = session_.lock()) {
    s->removeObserver(this);
    s->hangup();
  }
}

media::sip::SipLeg* SipCall::liveLeg() {
  if (leg_) return leg_.get();
  if (session_.lock()) return legView_;
  return nullptr;
}

void SipCall::answerAfter(int ringMs, std::function<void()> answer) {
  if (ringMs <= 0) {
    answer();
    start();
    return;
  }
  ringTimer_ = std::make_unique<core::Timer>(loop_.thread->loop(), [this, answer] {
    if (ended_) return;
    answer();
    start();
  });
  ringTimer_->start(static_cast<uint64_t>(ringMs));
}

void SipCall::start() {
  if (ended_ || !leg_) return;
  SessionParams p;
  p.tenant = tenant_;
  p.callerNumber = info_.callerNumber;
  p.calleeNumber = info_.calleeNumber;
  p.outbound = info_.outbound;
  p.callContext = info_.contextJson;
  p.callId = info_.callId;
  p.providers = context_.providerSettingsFor(*tenant_);
  p.store = context_.storeFor(*tenant_);
  p.legHasEchoCancellation = false;  // phones and trunks do not cancel our echo for us
  p.legCanTransfer = static_cast<bool>(info_.transfer);
  p.transfer = info_.transfer;
  leg_->setListener(nullptr);
  p.leg = std::move(leg_);
  try {
    std::shared_ptr<Session> session = Session::start(loop_, context_.sessions(), std::move(p));
    session->addObserver(this);
    session_ = session;
    if (info_.outbound)
      log_.info("call answered by {}", info_.callerNumber);
    else
      log_.info("call answered: caller {}", info_.callerNumber);
  } catch (const core::Error& e) {
    // The leg died with the params: nothing will send BYE unless we do.
    log_.error("session could not start: {}", e.what());
    signalling_->onSipLegEnded(media::HangupReason::Error);
    finish();
  }
}

void SipCall::hangup() {
  if (auto s = session_.lock()) return s->hangup();
  if (leg_) leg_->hangup();
}

void SipCall::remoteHangup() {
  if (auto* leg = liveLeg()) leg->remoteHangup();
}

void SipCall::updateRemote(std::optional<core::SocketAddress> remote,
                           media::sip::SdpDirection ours) {
  if (auto* leg = liveLeg()) leg->updateRemote(std::move(remote), ours);
}

void SipCall::sendDigits(const std::string& digits, int durationMs) {
  auto* leg = liveLeg();
  if (!leg || ended_) return;
  log_.info("sending {} key press(es) (RFC 4733)", digits.size());
  for (char d : digits) leg->sendDtmf(d, durationMs);
}

void SipCall::deliverDtmf(char digit, int durationMs) {
  if (auto* leg = liveLeg()) leg->deliverDtmf(digit, durationMs);
}

void SipCall::onLegHangup(media::HangupReason reason) {
  log_.info("call ended before answer: {}", media::toString(reason));
  finish();
}

void SipCall::onSessionState(dialog::TurnState state, double atS) {
  log_.event(core::LogLevel::Info, "turn state",
             {{"state", dialog::toString(state)}, {"at_s", fmt::format("{:.2f}", atS)}});
}

void SipCall::onSessionTranscript(const dialog::TranscriptLine& line) {
  log_.event(core::LogLevel::Info, "transcript",
             {{"speaker", dialog::toString(line.speaker)}, {"text", line.text}});
}

void SipCall::onSessionTurnMetrics(const dialog::TurnMetrics& m) {
  auto ms = [](double v) { return fmt::format("{:.0f}", v); };
  log_.event(core::LogLevel::Info, "turn latency",
             {{"turn", std::to_string(m.turn)},
              {"voice_to_voice_ms", ms(m.voiceToVoiceMs)},
              {"end_of_utterance_ms", ms(m.endOfUtteranceDelayMs)},
              {"stt_final_ms", ms(m.sttFinalLatencyMs)},
              {"llm_first_token_ms", ms(m.llmTimeToFirstTokenMs)},
              {"tts_first_byte_ms", ms(m.ttsTimeToFirstByteMs)}});
}

void SipCall::onSessionEnded(const dialog::CallRecord&) {
  const auto& s = legView_->stats();
  // "passthrough": packets whose payload was the TTS's µ-law as it came (PCMU calls).
  log_.info("call ended (rtp in {} out {}, dtmf {}), passthrough {}", s.rtpReceived, s.rtpSent,
            s.dtmfReceived, s.passthroughFrames);
  if (s.dtmfSent > 0) log_.info("key presses sent: {}", s.dtmfSent);
  finish();
}

void SipCall::finish() {
  if (ended_) return;
  ended_ = true;
  if (onEnded_) onEnded_();
}

}  // namespace parley::agent
