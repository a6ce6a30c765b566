#include "dialog/conversation/ChatHistory.hpp"

#include <algorithm>

namespace parley::dialog {

ChatHistory::ChatHistory(std::string systemPrompt) {
  system_.role = "system";
  system_.content = std::move(systemPrompt);
}

void ChatHistory::addUser(std::string text) {
  // Two caller utterances in a row (a late final, a barge-in before any reply) are one turn.
  if (!turns_.empty() && turns_.back().role == "user") {
    turns_.back().content += " " + text;
    return;
  }
  turns_.push_back({"user", std::move(text), {}, {}});
}

void ChatHistory::addAssistant(std::string text) {
  if (text.empty()) return;
  turns_.push_back({"assistant", std::move(text), {}, {}});
}

void ChatHistory::addToolCalls(std::string text, std::vector<ToolCall> calls) {
  turns_.push_back({"assistant", std::move(text), std::move(calls), {}});
}

void ChatHistory::addToolResult(std::string toolCallId, std::string resultJson) {
  turns_.push_back({"tool", std::move(resultJson), {}, std::move(toolCallId)});
}

void ChatHistory::truncateLastAssistant(const std::string& heard) {
  if (turns_.empty()) return;
  ChatMessage& last = turns_.back();
  if (last.role != "assistant" || !last.toolCalls.empty()) return;
  if (heard.empty())
    turns_.pop_back();
  else
    last.content = heard;
}

size_t ChatHistory::userTurns() const {
  return static_cast<size_t>(
      std::count_if(turns_.begin(), turns_.end(), [](const auto& m) { return m.role == "user"; }));
}

std::vector<ChatMessage> ChatHistory::messages(int maxUserTurns) const {
  std::vector<ChatMessage> out;
  out.push_back(system_);
  size_t first = 0;
  if (maxUserTurns > 0) {
    int seen = 0;
    for (size_t i = turns_.size(); i-- > 0;) {
      if (turns_[i].role != "user") continue;
      if (++seen == maxUserTurns) {
        first = i;
        break;
      }
    }
  }
  out.insert(out.end(), turns_.begin() + static_cast<std::ptrdiff_t>(first), turns_.end());
  return out;
}

}  // namespace parley::dialog
