// The conversation's life cycle, the caller's side (VAD, STT, end of turn), time-based
// decisions (poll), keys and hang-up. Replies: ConversationLlm.cpp and ConversationSpeech.cpp;
// barge-in: ConversationBargeIn.cpp.
#include "dialog/conversation/Conversation.hpp"

#include <algorithm>

#include "core/Log.hpp"
#include "dialog/conversation/ConversationReply.hpp"

namespace parley::dialog {
namespace {

/// A final "covers" the caller's speech if it ends at most this long before the last speech
/// frame: the VAD's hangover (160 ms) plus word-boundary slack of the STT's timestamps.
constexpr double kCoverageSlackS = 0.5;
constexpr int kFrameMs = 20;

}  // namespace

Conversation::Conversation(const core::Clock& clock, ConversationConfig config,
                           ConversationParts parts, AudioOut& out, ConversationListener& listener,
                           core::MetricsRegistry& metrics)
    : clock_(clock),
      config_(std::move(config)),
      parts_(std::move(parts)),
      out_(out),
      listener_(listener),
      metrics_(metrics),
      backchannels_(config_.backchannels),
      echo_(!parts_.legHasEchoCancellation, parts_.vadSnrDb, config_.echoGuardDb),
      history_(parts_.systemPrompt) {
  if (parts_.makeStt) stt_ = parts_.makeStt(*this);
  if (parts_.makeTts) tts_ = parts_.makeTts(*this);
  startNs_ = nowNs();
}

Conversation::~Conversation() {
  stopped_ = true;
  llmStream_.reset();
  preemptive_.reset();
  if (parts_.tools) parts_.tools->cancel();
}

double Conversation::elapsedS() const {
  return static_cast<double>(nowNs() - startNs_) / 1e9;
}

void Conversation::setState(TurnState s) {
  if (s == state_) return;
  state_ = s;
  listener_.onConversationState(s, elapsedS());
}

void Conversation::start() {
  if (started_) return;
  started_ = true;
  startNs_ = nowNs();
  agentFinishedNs_ = startNs_;
  if (stt_) stt_->start();
  if (tts_) tts_->start();
  // Off the critical path: the answers wait in memory for the first tool calls.
  if (parts_.tools && !parts_.prefetch.empty()) parts_.tools->prefetch(std::move(parts_.prefetch));
  if (!parts_.greeting.empty()) {
    startCannedReply(parts_.greeting, false, true);
    reply_->interruptible = config_.greetingInterruptible;
  }
}

void Conversation::stop() {
  if (stopped_) return;
  cancelReply();
  discardPreemptive();
  stopped_ = true;
  if (stt_) stt_->close();
  setState(TurnState::Ended);
}

bool Conversation::agentAudible() const {
  return out_.queuedAudioMs() > 0;
}

bool Conversation::waitingOnProviders() const {
  if (stopped_ || paused_) return false;
  // Less than a frame queued plays nothing until more arrives (PlayoutBuffer holds partial
  // frames until the end of the utterance).
  if (reply_ && !reply_->synthesisComplete && out_.queuedAudioMs() < kFrameMs) return true;
  // The caller went quiet and the STT has not confirmed the turn yet: its answer decides.
  if (state_ == TurnState::UserSpeaking && !vadSpeaking_ && finalizeSent_ && !finalConfirmed_ &&
      lastSpeechNs_ != 0 && msSince(lastSpeechNs_) >= config_.minEndpointingDelayMs)
    return true;
  return false;
}

// ---- caller side ----------------------------------------------------------------------------

void Conversation::onCallerAudio(const media::AudioFrame& frame, VoiceActivity activity) {
  if (stopped_) return;
  if (stt_ && !sttDead_) stt_->pushAudio(frame.span());
  pushedSamples_ += frame.samples.size();
  bool speech = echo_.accept(activity.speech, activity.snrDb, agentAudible());
  const int64_t now = nowNs();
  if (speech) {
    if (!vadSpeaking_) {
      vadSpeaking_ = true;
      onsetNs_ = now;
      onSpeechOnset();
    }
    lastSpeechNs_ = now;
    lastSpeechStreamS_ = streamS();
  } else if (vadSpeaking_) {
    vadSpeaking_ = false;  // poll() asks the STT for its final once the pause lasts
  }
  if (speech && reply_ && !paused_ && msSince(onsetNs_) >= config_.minInterruptionDurationMs) {
    if (state_ == TurnState::AgentSpeaking && reply_->interruptible) {
      pauseForInterruption(onsetNs_);
    } else if (state_ == TurnState::Thinking && reply_->kind == ReplyKind::Llm &&
               !reply_->firstAudio) {
      // The caller kept talking before the reply was heard: the turn was not over. Discard the
      // reply; the next turn's words join this one in history.
      cancelReply();
      setState(TurnState::UserSpeaking);
    }
  }
  poll();
}

void Conversation::onSpeechOnset() {
  discardPreemptive();  // the caller goes on: the turn will not end with that transcript
  finalizeSent_ = false;
  finalConfirmed_ = false;
  if (state_ == TurnState::Listening) {
    setState(TurnState::UserSpeaking);
    if (userText_.empty()) userTextAtS_ = elapsedS();
  }
}

void Conversation::resetUserTurn() {
  discardPreemptive();
  userText_.clear();
  userTextAtS_ = -1;
  lastSpeechNs_ = 0;
  finalizeSent_ = false;
  finalConfirmed_ = false;
  sttLatencyMs_ = -1;
}

void Conversation::checkEndOfTurn() {
  if (vadSpeaking_ || lastSpeechNs_ == 0) return;
  double silence = msSince(lastSpeechNs_);
  if (!userText_.empty() && silence >= config_.minEndpointingDelayMs && finalConfirmed_) {
    endUserTurn();
  } else if (silence >= config_.maxEndpointingDelayMs) {
    if (!userText_.empty()) {
      endUserTurn();
    } else {
      // Sound without words (a cough, a door): not a turn.
      resetUserTurn();
      agentFinishedNs_ = nowNs();
      setState(reply_ ? TurnState::AgentSpeaking : TurnState::Listening);
    }
  }
}

void Conversation::endUserTurn() {
  ++turn_;
  TurnMetrics m;
  m.turn = turn_;
  m.endOfUtteranceDelayMs = msSince(lastSpeechNs_);
  m.sttFinalLatencyMs = sttLatencyMs_;
  turnLastSpeechNs_ = lastSpeechNs_;
  TranscriptLine line{Speaker::Caller, userText_, userTextAtS_ < 0 ? elapsedS() : userTextAtS_,
                      false};
  listener_.onConversationTranscript(line);
  // A preemptive request for exactly this turn (same words, same history) is the reply.
  std::unique_ptr<PreemptiveLlm> preemptive;
  if (preemptive_ && preemptive_->matches(userText_, history_.turns().size()))
    preemptive = std::move(preemptive_);
  discardPreemptive();
  history_.addUser(userText_);
  reprompts_ = 0;
  resetUserTurn();
  startLlmReply(m, std::move(preemptive));
}

void Conversation::onSttTranscript(const SttTranscript& t) {
  if (stopped_ || t.text.empty()) return;
  const bool agentTalking = reply_ && (state_ == TurnState::AgentSpeaking || paused_);
  // Words count against the agent only if the caller made a sound since the reply started; a
  // late result for audio from before the reply (a provider's second final) is stale.
  const bool spokeSinceReply = reply_ && (vadSpeaking_ || onsetNs_ >= reply_->startNs);
  if (agentTalking && !spokeSinceReply) return;
  if (!t.isFinal) {
    listener_.onConversationInterim(t.text);
    if (agentTalking && reply_->interruptible && !echo_.isEcho(t.text, reply_->heard.fullText())) {
      int n = backchannels_.substantiveWords(t.text);
      if ((paused_ && n >= 1) || n >= config_.minInterruptionWords) confirmInterruption(true);
    }
    return;
  }
  if (agentTalking) {
    if (echo_.isEcho(t.text, reply_->heard.fullText())) return;
    if (backchannels_.isOnlyBackchannel(t.text)) {
      metrics_.countBackchannel();
      if (paused_) resumeAfterFalseInterruption();
      return;
    }
    if (reply_->interruptible) confirmInterruption(true);
  }
  if (!userText_.empty()) userText_ += ' ';
  userText_ += t.text;
  if (userTextAtS_ < 0) userTextAtS_ = std::max(0.0, elapsedS() - t.durationS);
  sttLatencyMs_ = t.latencyMs;
  // A final confirms the end of the turn when it covers the caller's speech up to the pause
  // (its end reaches the last speech frame, in stream time) and is an end-of-speech result:
  // speech_final, the answer to Finalize, or any final after the caller went quiet. A lagging
  // STT's final for older audio does not end the turn early.
  const bool covers = t.startS + t.durationS >= lastSpeechStreamS_ - kCoverageSlackS;
  if (covers && (t.speechFinal || t.fromFinalize || (!vadSpeaking_ && finalizeSent_)))
    finalConfirmed_ = true;
  if (lastSpeechNs_ == 0) lastSpeechNs_ = nowNs();
  if (state_ == TurnState::Listening) {
    setState(TurnState::UserSpeaking);
  } else if (state_ == TurnState::Thinking && reply_ && reply_->kind == ReplyKind::Llm &&
             !reply_->firstAudio && reply_->round == 0 && !reply_->gotToken) {
    // A late final for the turn just ended: ask again with the whole utterance.
    cancelReply();
    lastSpeechNs_ = turnLastSpeechNs_ ? turnLastSpeechNs_ : nowNs();
    finalConfirmed_ = true;
    setState(TurnState::UserSpeaking);
  }
  poll();
}

void Conversation::onSttUtteranceEnd(double lastWordEndS) {
  if (state_ == TurnState::UserSpeaking && !userText_.empty() &&
      lastWordEndS >= lastSpeechStreamS_ - kCoverageSlackS)
    finalConfirmed_ = true;
}

void Conversation::onSttError(const ProviderError& error, bool fatal) {
  if (!fatal || stopped_) return;
  core::Logger("conversation").warn("STT failed: {}", error.message);
  sttDead_ = true;
  cancelReply();
  out_.flushAudio();
  startCannedReply(config_.failGoodbyeText, true, false);
  reply_->hangupReason = "error";
}

// ---- time -----------------------------------------------------------------------------------

void Conversation::poll() {
  if (stopped_ || !started_) return;
  if (!maxDurationHandled_ && msSince(startNs_) >= static_cast<double>(config_.maxCallDurationMs)) {
    maxDurationHandled_ = true;
    cancelReply();
    out_.flushAudio();
    startCannedReply(config_.maxDurationText, true, false);
    reply_->hangupReason = "max_duration";
    reply_->interruptible = false;
    return;
  }
  if (paused_ && !vadSpeaking_ && msSince(pauseNs_) >= config_.falseInterruptionTimeoutMs)
    resumeAfterFalseInterruption();
  // The caller paused long enough to be a boundary, not a comma: ask the STT for its final now,
  // so it is ready by the time the endpointing delay has passed.
  if (state_ == TurnState::UserSpeaking && !vadSpeaking_ && !finalizeSent_ && stt_ && !sttDead_ &&
      lastSpeechNs_ != 0 && msSince(lastSpeechNs_) >= config_.finalizeAfterSilenceMs) {
    stt_->finalize();
    finalizeSent_ = true;
  }
  if (preemptive_ && preemptive_->transcript() != userText_) discardPreemptive();
  if (state_ == TurnState::UserSpeaking && !paused_) checkEndOfTurn();
  maybeStartPreemptive();
  if (reply_ && reply_->toolsRunning && !reply_->fillerSaid &&
      msSince(reply_->toolsStartNs) >= config_.fillerDelayMs) {
    reply_->fillerSaid = true;
    speak(config_.fillerText);
    flushSegment();
  }
  if (reply_ && reply_->synthesisComplete && !paused_ && out_.queuedAudioMs() == 0) finishReply();
  if (state_ == TurnState::Listening && !reply_ && userText_.empty() && !hangupRequested_ &&
      msSince(agentFinishedNs_) >= config_.silenceRepromptMs) {
    if (reprompts_ < config_.maxReprompts) {
      ++reprompts_;
      startCannedReply(config_.repromptText, false, true);
    } else {
      startCannedReply(config_.silenceGoodbyeText, true, true);
      reply_->hangupReason = "silence";
    }
  }
}

// ---- keypad ---------------------------------------------------------------------------------

void Conversation::onCallerKeys(const std::string& digits) {
  if (stopped_ || hangupRequested_ || digits.empty()) return;
  if (reply_) {
    if (!reply_->interruptible) return;
    confirmInterruption(false);
  }
  paused_ = false;
  const std::string said = "(pressed " + digits + " on the keypad)";
  userText_ = userText_.empty() ? said : userText_ + " " + said;
  if (userTextAtS_ < 0) userTextAtS_ = elapsedS();
  if (lastSpeechNs_ == 0) lastSpeechNs_ = nowNs();
  endUserTurn();
}

// ---- ending ---------------------------------------------------------------------------------

void Conversation::requestHangup(const std::string& reason) {
  if (hangupRequested_ || stopped_) return;
  hangupRequested_ = true;
  listener_.onConversationHangup(reason);
}

}  // namespace parley::dialog
