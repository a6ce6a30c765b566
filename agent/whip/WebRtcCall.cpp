#include "agent/whip/WebRtcCall.hpp"

#include <nlohmann/json.hpp>

#include "tools/Tenant.hpp"

namespace parley::agent {

WebRtcCall::WebRtcCall(std::unique_ptr<media::WebRtcLeg> leg,
                       std::shared_ptr<const tools::Tenant> tenant,
                       std::shared_ptr<CallEvents> events, WorkerContext& context, MediaLoop& loop,
                       std::function<void()> onEnded)
    : leg_(std::move(leg)),
      tenant_(std::move(tenant)),
      events_(std::move(events)),
      context_(context),
      loop_(loop),
      onEnded_(std::move(onEnded)) {
  leg_->setListener(this);
}

WebRtcCall::~WebRtcCall() {
  leg_->setListener(nullptr);
  if (!ended_) leg_->hangup();
  if (registered_) {
    context_.sessions().ended();
    --loop_.sessions;
  }
}

void WebRtcCall::start() {
  context_.sessions().started();
  ++loop_.sessions;
  registered_ = true;
  events_->push("call", nlohmann::json{{"id", leg_->id()},
                                       {"tenant", tenant_->id},
                                       {"name", tenant_->displayName},
                                       {"mode", "echo"}}
                            .dump());
  leg_->start();
}

void WebRtcCall::hangup() {
  leg_->hangup();
}

void WebRtcCall::onLegConnected() {
  nlohmann::json j{{"ice", "connected"}, {"dtls", "connected"}};
  if (auto p = leg_->srtpProfile()) j["srtp"] = media::toString(*p);
  events_->push("connected", j.dump());
  events_->push("state", nlohmann::json{{"state", "listening"}}.dump());
}

void WebRtcCall::onLegAudio(const media::AudioFrame& frame) {
  leg_->sendAudio(frame);
}

void WebRtcCall::onLegDtmf(const media::DtmfEvent& event) {
  events_->push("dtmf", nlohmann::json{{"digit", std::string(1, event.digit)}}.dump());
}

void WebRtcCall::onLegHangup(media::HangupReason reason) {
  if (ended_) return;
  ended_ = true;
  const auto& s = leg_->stats();
  events_->push("ended", nlohmann::json{{"reason", media::toString(reason)},
                                        {"rtpReceived", s.rtpReceived},
                                        {"rtpSent", s.rtpSent}}
                             .dump());
  if (registered_) {
    registered_ = false;
    context_.sessions().ended();
    --loop_.sessions;
  }
  if (onEnded_) onEnded_();
}

}  // namespace parley::agent
