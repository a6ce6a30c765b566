#include "agent/sip/SipCall.hpp"

#include "tools/Tenant.hpp"

namespace parley::agent {

SipCall::SipCall(std::unique_ptr<media::sip::SipLeg> leg,
                 std::shared_ptr<const tools::Tenant> tenant, std::string callId,
                 std::string callerNumber, WorkerContext& context, MediaLoop& loop,
                 std::function<void()> onEnded)
    : leg_(std::move(leg)),
      tenant_(std::move(tenant)),
      callId_(std::move(callId)),
      callerNumber_(std::move(callerNumber)),
      context_(context),
      loop_(loop),
      onEnded_(std::move(onEnded)),
      log_(core::Logger("sip").with("call_id", callId_).with("tenant", tenant_->id)) {
  leg_->setListener(this);
}

SipCall::~SipCall() {
  leg_->setListener(nullptr);
  if (!ended_) leg_->hangup();
  if (registered_) {
    context_.sessions().ended();
    --loop_.sessions;
  }
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
  if (registered_ || ended_) return;
  context_.sessions().started();
  ++loop_.sessions;
  registered_ = true;
  log_.info("call answered: caller {} (echo until sessions are linked)", callerNumber_);
  leg_->start();
}

void SipCall::hangup() {
  leg_->hangup();
}

void SipCall::remoteHangup() {
  leg_->remoteHangup();
}

void SipCall::updateRemote(std::optional<core::SocketAddress> remote,
                           media::sip::SdpDirection ours) {
  leg_->updateRemote(std::move(remote), ours);
}

void SipCall::deliverDtmf(char digit, int durationMs) {
  leg_->deliverDtmf(digit, durationMs);
}

void SipCall::onLegConnected() {}

void SipCall::onLegAudio(const media::AudioFrame& frame) {
  leg_->sendAudio(frame);
}

void SipCall::onLegDtmf(const media::DtmfEvent& event) {
  log_.info("dtmf {}", std::string(1, event.digit));
}

void SipCall::onLegHangup(media::HangupReason reason) {
  if (ended_) return;
  ended_ = true;
  const auto& s = leg_->stats();
  log_.info("call ended: {} (rtp in {} out {}, dtmf {})", media::toString(reason), s.rtpReceived,
            s.rtpSent, s.dtmfReceived);
  if (onEnded_) onEnded_();
}

}  // namespace parley::agent
