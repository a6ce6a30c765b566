// Barge-in (DESIGN.md §6): pausing playout for caller speech, confirming the interruption (only
// the heard words stay in history) or resuming after a false one.
#include <algorithm>

#include "dialog/conversation/Conversation.hpp"
#include "dialog/conversation/ConversationReply.hpp"

namespace parley::dialog {
namespace {

/// The words of `text` after the first `skip` whitespace-separated words.
std::string dropWords(const std::string& text, size_t skip) {
  size_t i = 0;
  size_t n = 0;
  while (i < text.size() && n < skip) {
    while (i < text.size() && text[i] == ' ') ++i;
    while (i < text.size() && text[i] != ' ') ++i;
    ++n;
  }
  while (i < text.size() && text[i] == ' ') ++i;
  return text.substr(i);
}

}  // namespace

// ---- barge-in -------------------------------------------------------------------------------

double Conversation::replyPlayedMs() const {
  if (!reply_ || !reply_->firstAudio) return 0;
  return static_cast<double>(out_.playedSamples() - reply_->playedBase) / kReplySamplesPerMs;
}

void Conversation::pauseForInterruption(int64_t onsetNs) {
  paused_ = true;
  pauseNs_ = nowNs();
  pauseOnsetNs_ = onsetNs;
  reply_->pausePos = static_cast<size_t>(replyPlayedMs() * kReplySamplesPerMs);
  out_.flushAudio();
  finalizeSent_ = false;
  finalConfirmed_ = false;
  if (userText_.empty()) userTextAtS_ = elapsedS();
  setState(TurnState::UserSpeaking);
}

void Conversation::confirmInterruption(bool byWords) {
  if (!reply_) return;
  Reply& r = *reply_;
  const int64_t decisionNs = paused_ ? pauseNs_ : nowNs();
  const int64_t onset = paused_ ? pauseOnsetNs_ : (vadSpeaking_ ? onsetNs_ : decisionNs);
  double playedMs = 0;
  if (paused_) {
    playedMs = static_cast<double>(r.pausePos) / kReplySamplesPerMs;
  } else {
    out_.flushAudio();
    playedMs = replyPlayedMs();
  }
  BargeInRecord b;
  b.turn = turn_;
  b.atS = static_cast<double>(decisionNs - startNs_) / 1e9;
  b.onsetToDecisionMs = static_cast<double>(decisionNs - onset) / 1e6;
  b.decisionToStoppedMs = static_cast<double>(nowNs() - decisionNs) / 1e6;
  if (paused_) b.decisionToStoppedMs = 0;  // playout was flushed at the pause decision
  b.heardText = r.heard.heardAt(playedMs);
  b.byWords = byWords && !paused_;
  // History keeps only what was heard of the reply's last round (earlier rounds are already in
  // history with their tool calls).
  if (r.addToHistory) {
    if (r.kind == ReplyKind::Llm)
      history_.addAssistant(dropWords(b.heardText, r.prefixWords));
    else
      history_.addAssistant(b.heardText);
  }
  if (!b.heardText.empty())
    listener_.onConversationTranscript({Speaker::Agent, b.heardText, r.firstAudioAtS, true});
  r.metrics.interrupted = true;
  reportTurnMetrics();
  metrics_.observeBargeIn(b);
  listener_.onConversationBargeIn(b);
  cancelReply();
  if (userText_.empty()) userTextAtS_ = elapsedS();
  setState(TurnState::UserSpeaking);
}

void Conversation::resumeAfterFalseInterruption() {
  if (!reply_) {
    paused_ = false;
    return;
  }
  Reply& r = *reply_;
  paused_ = false;
  metrics_.countResumed();
  const size_t from = std::min(r.pausePos, r.audio.size());
  r.audio.sendFrom(out_, from);
  r.playedBase = out_.playedSamples() - from;
  if (r.synthesisComplete) out_.endOfUtterance();
  resetUserTurn();
  setState(r.firstAudio ? TurnState::AgentSpeaking : TurnState::Thinking);
}

}  // namespace parley::dialog
