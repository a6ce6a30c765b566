// Replies from the LLM: requests, streamed text, tool rounds, errors, and preemptive
// generation (ConversationConfig::preemptiveGeneration).
#include <nlohmann/json.hpp>

#include "core/Log.hpp"
#include "dialog/conversation/Conversation.hpp"
#include "dialog/conversation/ConversationReply.hpp"

namespace parley::dialog {
namespace {

/// Whitespace-separated words in `s`.
size_t spaceWords(const std::string& s) {
  size_t n = 0;
  bool in = false;
  for (char c : s) {
    if (c == ' ') {
      in = false;
    } else if (!in) {
      in = true;
      ++n;
    }
  }
  return n;
}

}  // namespace

// ---- requests ------------------------------------------------------------------------------

void Conversation::startLlmReply(TurnMetrics metrics, std::unique_ptr<PreemptiveLlm> preemptive) {
  cancelReply();
  reply_ = std::make_unique<Reply>();
  reply_->kind = ReplyKind::Llm;
  reply_->startNs = nowNs();
  reply_->metrics = metrics;
  setState(TurnState::Thinking);
  if (preemptive)
    adoptPreemptive(std::move(preemptive));
  else
    requestLlm();
}

ChatRequest Conversation::buildRequest(const ChatHistory& history, bool forceNoTools) const {
  ChatRequest req;
  req.messages = history.messages(config_.maxHistoryTurns);
  if (!parts_.toolSpecs.empty()) {
    req.tools = parts_.toolSpecs;
    req.toolChoice = forceNoTools ? "none" : "auto";
  }
  return req;
}

void Conversation::beginLlmRound() {
  Reply& r = *reply_;
  r.gotToken = false;
  r.roundText.clear();
  r.pendingCalls.clear();
  r.prefixWords = spaceWords(r.heard.fullText());
  r.splitter.reset();
}

void Conversation::requestLlm() {
  if (!parts_.llm) return onLlmError({.message = "no LLM configured"});
  ChatRequest req = buildRequest(history_, reply_->forceNoTools);
  reply_->llmRequestNs = nowNs();
  beginLlmRound();
  llmStream_ = parts_.llm->stream(req, *this);
}

// ---- preemptive generation ------------------------------------------------------------------

void Conversation::maybeStartPreemptive() {
  // Only for a caller turn the STT has closed (an end-of-speech final) while the caller is
  // silent and nothing else is being said or prepared.
  if (!config_.preemptiveGeneration || preemptive_ || reply_ || paused_ || !parts_.llm ||
      hangupRequested_ || stopped_)
    return;
  if (state_ != TurnState::UserSpeaking || vadSpeaking_ || !finalConfirmed_ || userText_.empty())
    return;
  ChatHistory withTurn = history_;
  withTurn.addUser(userText_);
  preemptive_ = std::make_unique<PreemptiveLlm>(clock_, userText_, history_.turns().size());
  PreemptiveLlm* p = preemptive_.get();
  p->start(*parts_.llm, buildRequest(withTurn, false));
}

void Conversation::discardPreemptive() {
  if (!preemptive_) return;
  preemptive_.reset();  // cancels the request; its text and tool calls are dropped unseen
  metrics_.countPreemptive(false);
}

void Conversation::adoptPreemptive(std::unique_ptr<PreemptiveLlm> preemptive) {
  Reply& r = *reply_;
  r.llmRequestNs = preemptive->requestNs();
  r.metrics.preemptiveLeadMs = msSince(preemptive->requestNs());
  beginLlmRound();
  metrics_.countPreemptive(true);
  PreemptiveLlm::Buffered b = preemptive->adopt(*this);
  llmStream_ = std::move(preemptive);  // later events arrive as for any request
  // Replay what arrived while the turn was unconfirmed, in the stream's order.
  if (!b.text.empty()) onLlmText(b.text);
  if (b.firstTokenNs != 0)
    r.metrics.llmTimeToFirstTokenMs = static_cast<double>(b.firstTokenNs - r.llmRequestNs) / 1e6;
  if (b.error) return onLlmError(*b.error);
  if (!b.calls.empty()) onLlmToolCalls(b.calls);  // run now that the turn is confirmed
  if (b.done) onLlmDone(*b.done);
}

void Conversation::onLlmText(std::string_view delta) {
  if (!reply_ || stopped_) return;
  Reply& r = *reply_;
  if (!r.gotToken) {
    r.gotToken = true;
    if (r.round == 0) r.metrics.llmTimeToFirstTokenMs = msSince(r.llmRequestNs);
  }
  r.roundText.append(delta);
  for (auto& s : r.splitter.feed(delta)) speak(s);
}

void Conversation::onLlmToolCalls(const std::vector<ToolCall>& calls) {
  if (reply_) reply_->pendingCalls = calls;
}

void Conversation::onLlmDone(const LlmDone& done) {
  if (!reply_ || stopped_) return;
  Reply& r = *reply_;
  consecutiveFailures_ = 0;
  if (r.round == 0 && done.timeToFirstTokenMs > 0)
    r.metrics.llmTimeToFirstTokenMs = done.timeToFirstTokenMs;
  for (auto& s : r.splitter.flush()) speak(s);
  std::vector<ToolCall> calls = std::move(r.pendingCalls);
  r.pendingCalls.clear();
  if (!calls.empty() && r.round < config_.maxToolRounds && parts_.tools) {
    history_.addToolCalls(r.roundText, calls);
    flushSegment();  // let "Let me check." be heard while the tools run
    r.toolsRunning = true;
    r.toolsStartNs = nowNs();
    ++r.round;
    r.metrics.toolRounds = r.round;
    r.runningCalls = calls;
    parts_.tools->run(std::move(calls),
                      [this](std::vector<ToolResult> results) { onToolsDone(std::move(results)); });
    return;
  }
  r.finalText = r.roundText;
  r.llmDone = true;
  flushSegment();
  maybeFinishSynthesis();
}

void Conversation::onToolsDone(std::vector<ToolResult> results) {
  if (!reply_ || stopped_) return;
  Reply& r = *reply_;
  r.toolsRunning = false;
  for (auto& res : results) {
    if (res.name == "end_call" && !res.error) {
      r.hangupAfter = true;
      r.hangupReason = "end_call";
      r.forceNoTools = true;
    }
    if (res.name == "transfer_call" && !res.error && !parts_.legCanTransfer) {
      res.json =
          nlohmann::json{
              {"error", {{"code", "not_supported"}, {"message", config_.transferUnavailableText}}}}
              .dump();
      res.error = true;
    } else if (res.name == "transfer_call" && !res.error) {
      // The leg hands the caller over once the announcement has been heard.
      r.hangupAfter = true;
      r.hangupReason = "transfer";
      r.forceNoTools = true;
    }
    if (res.name == "send_dtmf" && !res.error) {
      auto j = nlohmann::json::parse(res.json, nullptr, false);
      if (j.is_object() && j.value("status", "") == "sending_keys")
        listener_.onConversationSendKeys(j.value("digits", std::string()));
    }
    ToolCallRecord rec;
    rec.turn = turn_;
    rec.id = res.toolCallId;
    rec.name = res.name;
    for (const auto& c : r.runningCalls)
      if (c.id == res.toolCallId) rec.arguments = c.arguments;
    rec.result = res.json;
    rec.durationMs = res.durationMs;
    rec.error = res.error;
    listener_.onConversationToolCall(rec);
    history_.addToolResult(res.toolCallId, res.json);
  }
  r.runningCalls.clear();
  // end_call / transfer_call with its words already said in the same message: nothing more to
  // ask.
  if (r.hangupAfter && (r.hangupReason == "end_call" || r.hangupReason == "transfer") &&
      !r.roundText.empty()) {
    r.finalText.clear();  // already in history with the tool call
    r.llmDone = true;
    flushSegment();
    maybeFinishSynthesis();
    return;
  }
  // The last round is out of tools: make the model answer in words.
  if (r.round >= config_.maxToolRounds) r.forceNoTools = true;
  requestLlm();
}

void Conversation::onLlmError(const ProviderError& error) {
  if (!reply_ || stopped_) return;
  core::Logger("conversation").warn("LLM failed: {}", error.message);
  ++consecutiveFailures_;
  const bool giveUp = consecutiveFailures_ >= 2;
  // What was already heard of this reply stays; the rest is replaced by the apology.
  cancelReply();
  out_.flushAudio();
  startCannedReply(giveUp ? config_.failGoodbyeText : config_.apologyText, giveUp, false);
  if (giveUp) reply_->hangupReason = "error";
}

}  // namespace parley::dialog
