#include "dialog/conversation/PreemptiveLlm.hpp"

namespace parley::dialog {

PreemptiveLlm::PreemptiveLlm(const core::Clock& clock, std::string transcript, size_t historyTurns)
    : transcript_(std::move(transcript)),
      historyTurns_(historyTurns),
      requestNs_(clock.monoNs()),
      clock_(clock) {}

PreemptiveLlm::~PreemptiveLlm() {
  cancel();
}

void PreemptiveLlm::start(LlmClient& llm, const ChatRequest& request) {
  requestNs_ = clock_.monoNs();
  stream_ = llm.stream(request, *this);
}

bool PreemptiveLlm::matches(const std::string& transcript, size_t historyTurns) const {
  return transcript == transcript_ && historyTurns == historyTurns_;
}

PreemptiveLlm::Buffered PreemptiveLlm::adopt(LlmListener& target) {
  target_ = &target;
  return std::move(buffered_);
}

void PreemptiveLlm::cancel() {
  if (stream_) stream_->cancel();
}

bool PreemptiveLlm::active() const {
  return stream_ && stream_->active();
}

// Forwarding returns at once: the target may destroy this stream from inside its callback.

void PreemptiveLlm::onLlmText(std::string_view delta) {
  if (target_) return target_->onLlmText(delta);
  if (buffered_.firstTokenNs == 0) buffered_.firstTokenNs = clock_.monoNs();
  buffered_.text.append(delta);
}

void PreemptiveLlm::onLlmToolCalls(const std::vector<ToolCall>& calls) {
  if (target_) return target_->onLlmToolCalls(calls);
  buffered_.calls = calls;  // held: tools run only once the turn is confirmed
}

void PreemptiveLlm::onLlmDone(const LlmDone& done) {
  if (target_) return target_->onLlmDone(done);
  buffered_.done = done;
}

void PreemptiveLlm::onLlmError(const ProviderError& error) {
  if (target_) return target_->onLlmError(error);
  buffered_.error = error;
}

}  // namespace parley::dialog
