#pragma once
// An LLM request started before the caller's turn is confirmed (LiveKit's
// `preemptive_generation`): when an end-of-speech STT final arrives while the caller is silent,
// the conversation asks the LLM at once instead of waiting out the endpointing delay. Until the
// conversation adopts it, everything the stream reports is only buffered here — no text reaches
// the TTS, nothing is recorded, and tool calls are held, not run — so a request made for a turn
// that then goes on ("…and a whitening") is dropped without a trace. Adopted (the turn ended
// with the same transcript on the same history), the buffered events are handed over and later
// ones are forwarded as they arrive; the reply then starts with the head start the request had.
//
// It is the conversation's LlmStream for the adopted reply: destroying it cancels the request.
// Loop-thread only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/Clock.hpp"
#include "dialog/llm/LlmClient.hpp"

namespace parley::dialog {

class PreemptiveLlm final : public LlmStream, private LlmListener {
 public:
  /// What arrived before adoption, in the stream's order: text, then tool calls, then the end.
  struct Buffered {
    std::string text;
    std::vector<ToolCall> calls;
    std::optional<LlmDone> done;
    std::optional<ProviderError> error;
    int64_t firstTokenNs = 0;  ///< clock time of the first text delta (0: none yet)
  };

  /// `transcript` and `historyTurns` identify the turn the request was made for;
  /// `clock` (the conversation's, a back-reference) times the request and its first token.
  PreemptiveLlm(const core::Clock& clock, std::string transcript, size_t historyTurns);
  ~PreemptiveLlm() override;
  PreemptiveLlm(const PreemptiveLlm&) = delete;
  PreemptiveLlm& operator=(const PreemptiveLlm&) = delete;

  /// Sends the request (its time is requestNs()). What the client reports, even synchronously,
  /// is buffered.
  void start(LlmClient& llm, const ChatRequest& request);
  /// Whether this request was made for exactly this turn: the same caller text on a history of
  /// the same length (nothing was added in between).
  bool matches(const std::string& transcript, size_t historyTurns) const;
  const std::string& transcript() const { return transcript_; }
  int64_t requestNs() const { return requestNs_; }
  /// Hands the reply over: returns what was buffered; every later event goes to `target`
  /// (which must outlive this stream or destroy it first). Call once.
  Buffered adopt(LlmListener& target);

  // LlmStream
  void cancel() override;
  bool active() const override;

 private:
  void onLlmText(std::string_view delta) override;
  void onLlmToolCalls(const std::vector<ToolCall>& calls) override;
  void onLlmDone(const LlmDone& done) override;
  void onLlmError(const ProviderError& error) override;

  std::string transcript_;
  size_t historyTurns_;
  int64_t requestNs_;
  const core::Clock& clock_;
  std::unique_ptr<LlmStream> stream_;
  Buffered buffered_;
  LlmListener* target_ = nullptr;  ///< back-reference once adopted (the conversation)
};

}  // namespace parley::dialog
