#pragma once
// The conversation history sent to the LLM (issue 7 "History"): one system prompt plus turns in
// OpenAI chat shape. Trimmed to the last N caller turns, cutting only at a user message so an
// assistant tool-call message is never separated from its tool results (the API rejects a
// "tool" message without the assistant message that asked for it).
#include <string>
#include <vector>

#include "dialog/llm/LlmClient.hpp"

namespace parley::dialog {

class ChatHistory {
 public:
  explicit ChatHistory(std::string systemPrompt = {});

  void setSystemPrompt(std::string prompt) { system_.content = std::move(prompt); }
  void addUser(std::string text);
  /// An assistant text reply (what the caller actually heard of it).
  void addAssistant(std::string text);
  /// An assistant message that called tools (with any text spoken before the calls).
  void addToolCalls(std::string text, std::vector<ToolCall> calls);
  void addToolResult(std::string toolCallId, std::string resultJson);
  /// Replaces the content of the last assistant text message (barge-in: keep the heard part).
  /// An empty `heard` removes the message. No-op when the last message is not assistant text.
  void truncateLastAssistant(const std::string& heard);

  /// The messages for the next request: system prompt first, then the last `maxUserTurns` user
  /// turns and everything after the first kept one.
  std::vector<ChatMessage> messages(int maxUserTurns) const;
  const std::vector<ChatMessage>& turns() const { return turns_; }
  size_t userTurns() const;

 private:
  ChatMessage system_;
  std::vector<ChatMessage> turns_;
};

}  // namespace parley::dialog
