#include "agent/session/ScriptedCallerLeg.hpp"

#include <algorithm>

namespace parley::agent {

ScriptedCallerLeg::ScriptedCallerLeg(std::string id, std::vector<CallerTurnAudio> turns,
                                     media::Pacer* pacer)
    : id_(std::move(id)), turns_(std::move(turns)), pacer_(pacer) {
  turnStarts_.assign(turns_.size(), -1);
}

ScriptedCallerLeg::~ScriptedCallerLeg() {
  if (pacer_ && started_ && !ended_) pacer_->remove(this);
}

void ScriptedCallerLeg::start() {
  if (started_) return;
  started_ = true;
  if (listener_) listener_->onLegConnected();
  if (pacer_) pacer_->add(this);
}

bool ScriptedCallerLeg::sendAudio(const media::AudioFrame& frame) {
  return !ended_ && playout_.push(frame);
}

size_t ScriptedCallerLeg::sendSamples(std::span<const int16_t> samples) {
  return ended_ ? 0 : playout_.write(samples);
}

void ScriptedCallerLeg::sendDtmf(char digit, int) {
  sentDtmf_ += digit;
}

void ScriptedCallerLeg::onPacerTick(int64_t) {
  step();
}

int64_t ScriptedCallerLeg::nextTurnStartMs() const {
  const CallerTurnAudio& t = turns_[next_];
  const auto delayMs = static_cast<int64_t>(t.delayS * 1000);
  if (t.at == CallerEvent::CallStarted) return std::max(lastTurnEndMs_, delayMs);
  const auto& events = t.at == CallerEvent::AgentStarted ? agentStarted_ : agentFinished_;
  for (int64_t e : events)
    if (e >= lastTurnEndMs_) return e + delayMs;
  return -1;
}

bool ScriptedCallerLeg::step() {
  if (ended_) return false;
  if (!started_) start();
  const int64_t now = mediaTimeMs();
  ++frames_;
  // Caller side.
  media::AudioFrame in;
  if (!playing_ && next_ < turns_.size()) {
    int64_t at = nextTurnStartMs();
    if (at >= 0 && now >= at) {
      playing_ = true;
      pos_ = 0;
      turnStarts_[next_] = now;
    }
  }
  if (playing_) {
    const auto& s = turns_[next_].samples;
    size_t n = std::min(media::kFrameSamples, s.size() - pos_);
    std::copy_n(s.begin() + static_cast<std::ptrdiff_t>(pos_), n, in.samples.begin());
    pos_ += n;
    if (pos_ >= s.size()) {
      playing_ = false;
      ++next_;
      lastTurnEndMs_ = now + media::kFrameMs;
    }
  }
  caller_.insert(caller_.end(), in.samples.begin(), in.samples.end());
  if (listener_) listener_->onLegAudio(in);
  if (ended_) return false;
  // Agent side.
  media::AudioFrame out;
  if (playout_.pop(out)) {
    agent_.insert(agent_.end(), out.samples.begin(), out.samples.end());
    if (!agentSpeaking_) {
      agentSpeaking_ = true;
      agentStarted_.push_back(now);
    }
    lastAgentAudioMs_ = now;
  } else {
    agent_.insert(agent_.end(), media::kFrameSamples, 0);
    if (agentSpeaking_ && now - lastAgentAudioMs_ >= kFinishedGapMs) {
      agentSpeaking_ = false;
      agentFinished_.push_back(now);
      if (listener_) listener_->onLegPlayoutDrained();
    }
  }
  if (ended_) return false;
  // The script is over and the agent had its chance to close the call.
  if (next_ >= turns_.size() && !playing_ &&
      now - std::max(lastTurnEndMs_, lastAgentAudioMs_) >= kAfterScriptMs) {
    finish(media::HangupReason::Remote);
    return false;
  }
  return true;
}

void ScriptedCallerLeg::finish(media::HangupReason reason) {
  if (ended_) return;
  ended_ = true;
  if (pacer_ && started_) pacer_->remove(this);
  playout_.flush();
  if (listener_) listener_->onLegHangup(reason);
}

}  // namespace parley::agent
