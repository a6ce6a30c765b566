#pragma once
// The turn-taking state machine of one call (DESIGN.md §6, issue 7): decides when the caller has
// finished, streams the reply (LLM text → SentenceSplitter → TTS → the leg's playout buffer),
// runs tool rounds, and yields the floor when the caller talks over the agent.
//
// States: Listening → UserSpeaking → Thinking → AgentSpeaking → Listening … → Ended.
//  * End of turn: VAD silence ≥ minEndpointingDelayMs confirmed by an STT final (speech_final,
//    a Finalize answer, or UtteranceEnd), or silence ≥ maxEndpointingDelayMs with any final text.
//    finalize() is sent after finalizeAfterSilenceMs of VAD silence (a pause, not a comma), so
//    the final comes well before the endpointing delay has passed. A late final (after the turn
//    ended, before any reply audio) restarts the reply with it.
//  * Preemptive generation (optional): an end-of-speech final while the caller is silent starts
//    the LLM request before the endpointing delay has passed (PreemptiveLlm holds its reply);
//    the turn's end adopts it if the transcript is unchanged, else it is dropped unseen.
//  * Barge-in while the agent speaks: caller speech ≥ minInterruptionDurationMs pauses playout
//    (flushed within one frame); words (not backchannels) within falseInterruptionTimeoutMs
//    confirm it — LLM, TTS and tools are cancelled and history keeps only the heard words — else
//    the reply resumes where it stopped. An interim with ≥ minInterruptionWords substantive words
//    interrupts at once. Backchannels alone never interrupt. EchoGuard handles echo.
//  * Tools: at most maxToolRounds rounds per turn; one filler when a round runs ≥ fillerDelayMs;
//    end_call hangs up after the goodbye is played; transfer_call ends the conversation with
//    reason "transfer" after its announcement is played (the session hands the call over), and
//    is refused (said so) where the leg cannot transfer.
//  * Silence: reprompt after silenceRepromptMs; after maxReprompts, goodbye and hang up. Calls
//    longer than maxCallDurationMs are closed politely.
//  * Failures: an LLM or TTS failure makes the agent apologise (never dead air); a second one in
//    a row, or a dead STT, ends the call with a spoken goodbye where possible.
//
// Files: Conversation.cpp (life cycle, caller side, poll), ConversationLlm.cpp (requests, tool
// rounds, preemptive generation), ConversationSpeech.cpp (TTS, playout, finishing a reply),
// ConversationBargeIn.cpp (interruptions); ConversationReply.hpp holds the reply's state.
//
// Time: every decision reads `clock` (injected; ManualClock in tests and virtual-time console
// runs) on each caller frame and in poll(). Nothing here sleeps or blocks. Loop-thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/Clock.hpp"
#include "dialog/conversation/Backchannels.hpp"
#include "dialog/conversation/ChatHistory.hpp"
#include "dialog/conversation/ConversationConfig.hpp"
#include "dialog/conversation/ConversationEvents.hpp"
#include "dialog/conversation/ConversationMetrics.hpp"
#include "dialog/conversation/EchoGuard.hpp"
#include "dialog/conversation/HeardText.hpp"
#include "dialog/conversation/PreemptiveLlm.hpp"
#include "dialog/conversation/SentenceSplitter.hpp"
#include "dialog/conversation/ToolExecutor.hpp"
#include "dialog/llm/LlmClient.hpp"
#include "dialog/stt/SttStream.hpp"
#include "dialog/tts/TtsStream.hpp"
#include "media/AudioFrame.hpp"

namespace parley::dialog {

/// Where the agent's speech goes: the call leg's outbound side (the session adapts CallLeg).
/// Samples are 16 kHz mono s16; amounts are in 16 kHz sample times whatever the form.
class AudioOut {
 public:
  virtual ~AudioOut() = default;
  virtual size_t sendSamples(std::span<const int16_t> samples) = 0;
  /// 8 kHz G.711 µ-law bytes, sent as they are (CallLeg::sendUlaw; only when the TTS was asked
  /// for the leg's preferred Ulaw8k form). Returns bytes accepted; 0 where the leg takes none.
  virtual size_t sendUlaw(std::span<const uint8_t> ulaw) {
    (void)ulaw;
    return 0;
  }
  virtual void endOfUtterance() = 0;
  /// Drops all queued audio (barge-in); returns the 16 kHz samples dropped.
  virtual size_t flushAudio() = 0;
  virtual int queuedAudioMs() const = 0;
  /// Agent audio actually sent to the caller since the call started, in 16 kHz samples.
  virtual uint64_t playedSamples() const = 0;
};

/// Events up to the session.
class ConversationListener {
 public:
  virtual ~ConversationListener() = default;
  virtual void onConversationState(TurnState state, double atS) = 0;
  virtual void onConversationInterim(const std::string& /*text*/) {}
  virtual void onConversationTranscript(const TranscriptLine& line) = 0;
  virtual void onConversationToolCall(const ToolCallRecord& call) = 0;
  virtual void onConversationTurnMetrics(const TurnMetrics& metrics) = 0;
  virtual void onConversationBargeIn(const BargeInRecord& bargeIn) = 0;
  /// The agent pressed keys (the send_dtmf tool succeeded): "1", "2#". The session queues them
  /// on the leg; ignoring them is fine where no tool offered it.
  virtual void onConversationSendKeys(const std::string& /*digits*/) {}
  /// The conversation is over and the call should end (`reason`: "end_call", "silence",
  /// "max_duration", "error"), or be handed to a person ("transfer"). The session hangs up the leg;
  /// the conversation is then inert.
  virtual void onConversationHangup(const std::string& reason) = 0;
};

/// One caller frame's voice activity, from the session's media::Vad.
struct VoiceActivity {
  bool speech = false;  ///< after the VAD's hysteresis
  double snrDb = 0;     ///< the frame's SNR over the noise floor
};

/// What a conversation is built from. Factories are called once, in the constructor, with the
/// conversation as the listener.
struct ConversationParts {
  std::function<std::unique_ptr<SttStream>(SttListener&)> makeStt;
  std::function<std::unique_ptr<TtsStream>(TtsListener&)> makeTts;
  std::unique_ptr<LlmClient> llm;
  std::unique_ptr<ToolExecutor> tools;
  std::vector<ToolSpec> toolSpecs;  ///< offered to the LLM
  /// Lookups the first turns will likely need (the caller's appointments, availability), run in
  /// the background from start() while the greeting plays (ToolExecutor::prefetch).
  std::vector<ToolCall> prefetch;
  std::string systemPrompt;
  std::string greeting;  ///< spoken at start (empty: listen first)
  bool legHasEchoCancellation = false;
  bool legCanTransfer = false;
  double vadSnrDb = 6.0;  ///< the VAD's speech threshold (EchoGuard's base)
};

class Conversation final : private SttListener, private LlmListener, private TtsListener {
 public:
  /// `clock`, `out` and `listener` are back-references that must outlive the conversation.
  Conversation(const core::Clock& clock, ConversationConfig config, ConversationParts parts,
               AudioOut& out, ConversationListener& listener,
               core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  ~Conversation() override;

  /// Opens STT and TTS, starts the prefetch and speaks the greeting. Call once the leg is
  /// connected.
  void start();
  /// One 20 ms caller frame (always forwarded to the STT) with its voice activity.
  void onCallerAudio(const media::AudioFrame& frame, VoiceActivity activity);
  /// Re-evaluates time-based decisions; called by onCallerAudio and by virtual-time drivers.
  void poll();
  /// The call ended (either side): cancels the reply, LLM, TTS and tools, closes the STT and
  /// reports TurnState::Ended; nothing is reported after that. Idempotent.
  void stop();
  /// Keys the caller pressed (DTMF: RFC 4733 or SIP INFO), e.g. "1" or "1234#", as one caller
  /// turn: the LLM hears "(pressed 1 on the keypad)" (the way it reads "press 1 to confirm").
  /// Key presses are deliberate, so they interrupt the agent like words do; while a reply that
  /// must not be interrupted (goodbye, silence closing) plays, they are ignored.
  void onCallerKeys(const std::string& digits);

  TurnState state() const { return state_; }
  /// True while a reply is being prepared (LLM, tools, TTS) and no agent audio is queued.
  bool waitingOnProviders() const;
  const ChatHistory& history() const { return history_; }
  double elapsedS() const;

 private:
  struct Reply;
  enum class ReplyKind { Llm, Canned };

  // SttListener
  void onSttTranscript(const SttTranscript& t) override;
  void onSttUtteranceEnd(double lastWordEndS) override;
  void onSttError(const ProviderError& error, bool fatal) override;
  void onSttClosed() override {}
  // LlmListener
  void onLlmText(std::string_view delta) override;
  void onLlmToolCalls(const std::vector<ToolCall>& calls) override;
  void onLlmDone(const LlmDone& done) override;
  void onLlmError(const ProviderError& error) override;
  // TtsListener
  void onTtsAudio(std::span<const uint8_t> bytes, double timeToFirstByteMs) override;
  void onTtsWords(const std::vector<TtsWordTiming>& words) override;
  void onTtsDone() override;
  void onTtsError(const ProviderError& error) override;

  void setState(TurnState s);
  int64_t nowNs() const { return clock_.monoNs(); }
  double msSince(int64_t ns) const { return static_cast<double>(nowNs() - ns) / 1e6; }
  /// Seconds of caller audio pushed to the STT (its transcript time base).
  double streamS() const { return static_cast<double>(pushedSamples_) / 16000.0; }

  // Caller side.
  void onSpeechOnset();
  void checkEndOfTurn();
  void endUserTurn();
  void resetUserTurn();
  // Replies.
  void startLlmReply(TurnMetrics metrics, std::unique_ptr<PreemptiveLlm> preemptive);
  void beginLlmRound();
  ChatRequest buildRequest(const ChatHistory& history, bool forceNoTools) const;
  void requestLlm();
  // Preemptive generation.
  void maybeStartPreemptive();
  void discardPreemptive();
  void adoptPreemptive(std::unique_ptr<PreemptiveLlm> preemptive);
  void startCannedReply(const std::string& text, bool hangupAfter, bool addToHistory);
  void speak(const std::string& text);
  void flushSegment();
  void onToolsDone(std::vector<ToolResult> results);
  void maybeFinishSynthesis();
  void finishReply();
  void cancelReply();
  void reportTurnMetrics();
  // Barge-in.
  bool agentAudible() const;
  void pauseForInterruption(int64_t onsetNs);
  void confirmInterruption(bool byWords);
  void resumeAfterFalseInterruption();
  double replyPlayedMs() const;
  // Ending.
  void requestHangup(const std::string& reason);

  const core::Clock& clock_;
  ConversationConfig config_;
  ConversationParts parts_;
  AudioOut& out_;                   ///< back-reference (the session's leg adapter)
  ConversationListener& listener_;  ///< back-reference (owner)
  ConversationMetrics metrics_;
  Backchannels backchannels_;
  EchoGuard echo_;
  ChatHistory history_;
  std::unique_ptr<SttStream> stt_;
  std::unique_ptr<TtsStream> tts_;
  std::unique_ptr<LlmStream> llmStream_;
  std::unique_ptr<PreemptiveLlm> preemptive_;  ///< an unconfirmed turn's early LLM request
  std::unique_ptr<Reply> reply_;

  TurnState state_ = TurnState::Listening;
  int64_t startNs_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  bool hangupRequested_ = false;
  int turn_ = 0;

  // Caller turn.
  bool vadSpeaking_ = false;
  int64_t onsetNs_ = 0;           ///< start of the current caller speech run
  int64_t lastSpeechNs_ = 0;      ///< last caller speech frame (0: none this turn)
  int64_t turnLastSpeechNs_ = 0;  ///< last speech frame of the turn that was answered
  std::string userText_;          ///< finals of the current caller turn
  double userTextAtS_ = -1;       ///< when the caller turn started
  bool finalizeSent_ = false;
  bool finalConfirmed_ = false;
  double sttLatencyMs_ = -1;
  uint64_t pushedSamples_ = 0;    ///< caller samples pushed to the STT since the start
  double lastSpeechStreamS_ = 0;  ///< stream time of the last caller speech frame

  // Interruption.
  bool paused_ = false;  ///< playout paused by caller speech, words not yet heard
  int64_t pauseNs_ = 0;
  int64_t pauseOnsetNs_ = 0;

  // Silence, failures.
  int64_t agentFinishedNs_ = 0;  ///< when the agent last finished speaking (reprompt timer)
  int reprompts_ = 0;
  bool maxDurationHandled_ = false;
  int consecutiveFailures_ = 0;
  bool sttDead_ = false;
  bool ttsFormatWarned_ = false;  ///< the TTS sent audio in a form the leg cannot play
};

}  // namespace parley::dialog
