#include "dialog/conversation/Conversation.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/Log.hpp"

namespace parley::dialog {
namespace {

/// Reply audio kept for resuming after a false interruption: 2 min of 16 kHz s16 (3.8 MB). A
/// spoken reply is < 30 s; the bound caps memory per call if a provider misbehaves.
constexpr size_t kMaxReplyAudioSamples = 16000 * 120;
constexpr double kSamplesPerMs = 16.0;
/// A final "covers" the caller's speech if it ends at most this long before the last speech
/// frame: the VAD's hangover (160 ms) plus word-boundary slack of the STT's timestamps.
constexpr double kCoverageSlackS = 0.5;
constexpr int kFrameMs = 20;

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

struct Conversation::Reply {
  ReplyKind kind = ReplyKind::Llm;
  int64_t startNs = 0;  ///< when the reply was started (caller speech before it is not barge-in)
  bool interruptible = true;
  bool addToHistory = true;
  bool hangupAfter = false;
  std::string hangupReason;
  std::string cannedText;
  // LLM rounds.
  int round = 0;
  std::vector<ToolCall> pendingCalls;  ///< announced by the current round
  std::vector<ToolCall> runningCalls;  ///< being executed
  std::string roundText;               ///< text of the current round
  std::string finalText;               ///< text of the last round (the reply proper)
  size_t prefixWords = 0;              ///< words spoken before the current round
  bool llmDone = false;
  bool toolsRunning = false;
  bool forceNoTools = false;
  bool fillerSaid = false;
  bool gotToken = false;
  int64_t llmRequestNs = 0;
  int64_t toolsStartNs = 0;
  SentenceSplitter splitter;
  // TTS segments.
  HeardText heard;
  bool segmentOpen = false;
  bool awaitingDone = false;
  std::vector<std::string> queuedText;
  bool queuedFlush = false;
  bool synthesisComplete = false;
  double segmentAudioMs = 0;
  int64_t firstPushNs = 0;
  // Audio.
  std::vector<int16_t> audio;  ///< everything received (bounded), for resume
  uint64_t receivedSamples = 0;
  bool firstAudio = false;
  double firstAudioAtS = 0;
  uint64_t playedBase = 0;  ///< out.playedSamples() when the reply's first sample was queued
  size_t pausePos = 0;      ///< reply samples played when playout was paused
  TurnMetrics metrics;
  bool metricsReported = false;
};

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

// ---- replies --------------------------------------------------------------------------------

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
    r.heard.beginSegment(static_cast<double>(r.receivedSamples) / kSamplesPerMs);
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

void Conversation::onTtsAudio(std::span<const uint8_t> bytes, double timeToFirstByteMs) {
  if (!reply_ || stopped_ || !tts_) return;
  if (tts_->encoding() != TtsEncoding::Pcm16 || tts_->audioSampleRate() != 16000) return;
  Reply& r = *reply_;
  const size_t n = bytes.size() / 2;
  size_t at = r.audio.size();
  size_t keep = std::min(n, kMaxReplyAudioSamples - std::min(at, kMaxReplyAudioSamples));
  r.audio.resize(at + keep);
  for (size_t i = 0; i < keep; ++i)
    r.audio[at + i] = static_cast<int16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
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
  r.segmentAudioMs += static_cast<double>(n) / kSamplesPerMs;
  if (!paused_ && keep > 0) out_.sendSamples(std::span<const int16_t>(r.audio).subspan(at, keep));
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

// ---- barge-in -------------------------------------------------------------------------------

double Conversation::replyPlayedMs() const {
  if (!reply_ || !reply_->firstAudio) return 0;
  return static_cast<double>(out_.playedSamples() - reply_->playedBase) / kSamplesPerMs;
}

void Conversation::pauseForInterruption(int64_t onsetNs) {
  paused_ = true;
  pauseNs_ = nowNs();
  pauseOnsetNs_ = onsetNs;
  reply_->pausePos = static_cast<size_t>(replyPlayedMs() * kSamplesPerMs);
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
    playedMs = static_cast<double>(r.pausePos) / kSamplesPerMs;
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
  if (from < r.audio.size()) out_.sendSamples(std::span<const int16_t>(r.audio).subspan(from));
  r.playedBase = out_.playedSamples() - from;
  if (r.synthesisComplete) out_.endOfUtterance();
  resetUserTurn();
  setState(r.firstAudio ? TurnState::AgentSpeaking : TurnState::Thinking);
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
