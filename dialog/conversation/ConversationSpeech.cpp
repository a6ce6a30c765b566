// Speaking a reply: sentences to the TTS one segment at a time, its audio to the leg, canned
// replies, and finishing or cancelling a reply (history, transcript, turn metrics).
#include <algorithm>

#include "core/Log.hpp"
#include "dialog/conversation/Conversation.hpp"
#include "dialog/conversation/ConversationReply.hpp"

namespace parley::dialog {

// ---- speaking --------------------------------------------------------------------------------

void Conversation::startCannedReply(const std::string& text, bool hangupAfter, bool addToHistory) {
  cancelReply();
  discardPreemptive();
  reply_ = std::make_unique<Reply>();
  reply_->kind = ReplyKind::Canned;
  reply_->startNs = nowNs();
  reply_->hangupAfter = hangupAfter;
  reply_->addToHistory = addToHistory;
  reply_->cannedText = text;
  reply_->llmDone = true;
  setState(TurnState::Thinking);
  if (!tts_) {
    reply_->synthesisComplete = true;
    return;
  }
  speak(text);
  flushSegment();
}

void Conversation::speak(const std::string& text) {
  if (!reply_ || text.empty() || !tts_) return;
  Reply& r = *reply_;
  if (r.awaitingDone) {
    // The previous segment is still being synthesised; a new push would open a new socket and
    // drop its tail (ElevenLabs: one socket per flush). Wait for its onTtsDone.
    r.queuedText.push_back(text);
    return;
  }
  if (!r.segmentOpen) {
    r.heard.beginSegment(static_cast<double>(r.receivedSamples) / kReplySamplesPerMs);
    r.segmentOpen = true;
    r.segmentAudioMs = 0;
    if (r.firstPushNs == 0) r.firstPushNs = nowNs();
  }
  r.heard.addText(text);
  tts_->pushText(text);
}

void Conversation::flushSegment() {
  if (!reply_ || !tts_) return;
  Reply& r = *reply_;
  if (r.awaitingDone) {
    r.queuedFlush = true;
    return;
  }
  if (!r.segmentOpen) return;
  r.segmentOpen = false;
  r.awaitingDone = true;
  tts_->flush();
}

void Conversation::maybeFinishSynthesis() {
  if (!reply_) return;
  Reply& r = *reply_;
  if (r.synthesisComplete || !r.llmDone || r.toolsRunning || r.segmentOpen || r.awaitingDone ||
      !r.queuedText.empty())
    return;
  r.synthesisComplete = true;
  out_.endOfUtterance();
}

void Conversation::onTtsAudio(std::span<const uint8_t> bytes, double timeToFirstByteMs) {
  if (!reply_ || stopped_ || !tts_) return;
  // The TTS was asked for the leg's preferred form (16 kHz PCM, or µ-law for a PCMU phone leg);
  // it is queued as it came. Another form is a misconfigured provider: said once, not played.
  const auto format = ReplyAudio::formatOf(tts_->encoding(), tts_->audioSampleRate());
  if (!format) {
    if (!ttsFormatWarned_)
      core::Logger("conversation")
          .warn(
              "TTS audio at {} Hz in an unplayable encoding: dropped (expected pcm_16000 or "
              "ulaw_8000)",
              tts_->audioSampleRate());
    ttsFormatWarned_ = true;
    return;
  }
  Reply& r = *reply_;
  const size_t at = r.audio.size();
  const size_t n = r.audio.append(bytes, *format);
  if (!r.firstAudio && n > 0) {
    r.firstAudio = true;
    r.firstAudioAtS = elapsedS();
    r.metrics.ttsTimeToFirstByteMs =
        timeToFirstByteMs > 0 ? timeToFirstByteMs : msSince(r.firstPushNs);
    if (r.kind == ReplyKind::Llm && turnLastSpeechNs_ != 0)
      r.metrics.voiceToVoiceMs = msSince(turnLastSpeechNs_);
    r.playedBase = out_.playedSamples();
    if (!paused_) setState(TurnState::AgentSpeaking);
  }
  r.receivedSamples += n;
  r.segmentAudioMs += static_cast<double>(n) / kReplySamplesPerMs;
  if (!paused_ && r.audio.size() > at) r.audio.sendFrom(out_, at);
}

void Conversation::onTtsWords(const std::vector<TtsWordTiming>& words) {
  if (reply_) reply_->heard.addWords(words);
}

void Conversation::onTtsDone() {
  if (!reply_ || stopped_) return;
  Reply& r = *reply_;
  r.awaitingDone = false;
  r.heard.setSegmentAudioMs(r.segmentAudioMs);
  if (!r.queuedText.empty()) {
    auto texts = std::move(r.queuedText);
    r.queuedText.clear();
    for (auto& t : texts) speak(t);
  }
  if (r.queuedFlush) {
    r.queuedFlush = false;
    flushSegment();
  }
  maybeFinishSynthesis();
}

void Conversation::onTtsError(const ProviderError& error) {
  if (!reply_ || stopped_) return;
  core::Logger("conversation").warn("TTS failed: {}", error.message);
  ++consecutiveFailures_;
  const bool apologyFailed = reply_->kind == ReplyKind::Canned && !reply_->addToHistory;
  cancelReply();
  out_.flushAudio();
  if (consecutiveFailures_ >= 2 || apologyFailed) {
    // The voice itself is gone: nothing can be said. End cleanly rather than leave silence.
    requestHangup("error");
    return;
  }
  startCannedReply(config_.apologyText, false, false);
}

void Conversation::reportTurnMetrics() {
  if (!reply_ || reply_->kind != ReplyKind::Llm || reply_->metricsReported) return;
  reply_->metricsReported = true;
  metrics_.observeTurn(reply_->metrics);
  listener_.onConversationTurnMetrics(reply_->metrics);
}

void Conversation::finishReply() {
  Reply& r = *reply_;
  std::string spoken = r.heard.fullText();
  if (r.addToHistory) history_.addAssistant(r.kind == ReplyKind::Llm ? r.finalText : r.cannedText);
  if (!spoken.empty())
    listener_.onConversationTranscript({Speaker::Agent, spoken, r.firstAudioAtS, false});
  reportTurnMetrics();
  const bool hangup = r.hangupAfter;
  const std::string reason = r.hangupReason.empty() ? "end_call" : r.hangupReason;
  if (r.kind == ReplyKind::Llm && r.firstAudio) consecutiveFailures_ = 0;
  llmStream_.reset();
  reply_.reset();
  agentFinishedNs_ = nowNs();
  setState(vadSpeaking_ || !userText_.empty() ? TurnState::UserSpeaking : TurnState::Listening);
  if (hangup) requestHangup(reason);
}

void Conversation::cancelReply() {
  paused_ = false;
  if (!reply_) return;
  Reply& r = *reply_;
  llmStream_.reset();  // destroying the stream cancels it; no event follows
  if (tts_ && (r.segmentOpen || r.awaitingDone || !r.synthesisComplete)) tts_->cancel();
  if (r.toolsRunning && parts_.tools) {
    parts_.tools->cancel();
    // Keep every tool call answered, or the next request is invalid (openai-chat-stream.md §5).
    for (const auto& c : r.runningCalls)
      history_.addToolResult(
          c.id, R"({"error":{"code":"cancelled","message":"The caller interrupted."}})");
  }
  reply_.reset();
}

}  // namespace parley::dialog
