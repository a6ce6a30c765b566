#pragma once
// The LLM provider interface (STYLE.md "Provider clients are plug-ins"): the dialog builds a
// ChatRequest, calls LlmClient::stream(), and hears text deltas, assembled tool calls and the
// end of the reply through an LlmListener. Commands down (cancel), events up. Message and tool
// shapes follow OpenAI chat completions (openai-chat-stream.md §1, §5), the lingua franca of
// every backend we support; vendor JSON stays inside the implementations.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/net/ProviderError.hpp"

namespace parley::dialog {

/// One complete tool call requested by the model. `arguments` is the raw JSON text as sent (the
/// model may emit invalid JSON: validate before use — openai-chat-stream.md §3).
struct ToolCall {
  int index = 0;
  std::string id;    ///< "call_…", echoed back in the tool message
  std::string name;  ///< function name
  std::string arguments;
};

/// One history message: role "system" | "user" | "assistant" | "tool".
struct ChatMessage {
  std::string role;
  std::string content;              ///< may be empty for an assistant turn with tool calls
  std::vector<ToolCall> toolCalls;  ///< assistant turns that called tools
  std::string toolCallId;           ///< role "tool": the call this answers
};

/// A function the model may call. `parametersJson` is a JSON Schema object as text.
struct ToolSpec {
  std::string name;
  std::string description;
  std::string parametersJson = R"({"type":"object","properties":{}})";
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::vector<ToolSpec> tools;
  /// "auto" | "none" | "required" | a function name (forces that tool). Empty: not sent.
  std::string toolChoice;
  std::optional<double> temperature;
  std::optional<int> maxTokens;  ///< sent as max_tokens (the field every compatible server reads)
  std::string model;             ///< overrides the client's configured model when not empty
};

/// Token counts of the whole request (from the include_usage chunk; absent if the server sent
/// none).
struct LlmUsage {
  int promptTokens = 0;
  int completionTokens = 0;
  int totalTokens = 0;
};

/// How a reply ended.
struct LlmDone {
  std::string finishReason;  ///< "stop", "length", "tool_calls", "content_filter", or "" if none
  std::optional<LlmUsage> usage;
  double timeToFirstTokenMs = 0;  ///< request start → first text or tool-call fragment
  uint32_t attempts = 1;          ///< requests made, including retries
};

/// Events of one stream, in order: onLlmText* and onLlmToolCalls (at most once), then exactly
/// one of onLlmDone / onLlmError — unless cancelled, after which nothing is reported. The
/// listener may cancel or destroy the stream from inside any of these.
class LlmListener {
 public:
  virtual ~LlmListener() = default;
  /// A piece of the reply text as it arrives (UTF-8; a piece never splits a code point).
  virtual void onLlmText(std::string_view delta) = 0;
  /// Every tool call of the reply, assembled and ordered by index, when the model finished it.
  virtual void onLlmToolCalls(const std::vector<ToolCall>& calls) = 0;
  virtual void onLlmDone(const LlmDone& done) = 0;
  /// The request failed after any retries. `retryable` says whether asking again can help.
  virtual void onLlmError(const ProviderError& error) = 0;
};

/// A running request. Destroying it cancels it.
class LlmStream {
 public:
  virtual ~LlmStream() = default;
  /// Stops at once and frees the transfer; no event follows. Idempotent.
  virtual void cancel() = 0;
  /// True until done, failed or cancelled.
  virtual bool active() const = 0;
};

class LlmClient {
 public:
  virtual ~LlmClient() = default;
  /// Starts streaming a reply; never blocks. `listener` must outlive the returned stream.
  virtual std::unique_ptr<LlmStream> stream(const ChatRequest& request, LlmListener& listener) = 0;
};

}  // namespace parley::dialog
