#pragma once
// One `data:` payload of an OpenAI-compatible chat completions stream
// (`object: "chat.completion.chunk"`, openai-chat-stream.md §2–§3), parsed from untrusted bytes.
// Tolerates the drift the notes list: `choices` missing or null (vLLM usage chunk), tool-call
// `arguments` as an object (Ollama), absent `id` on later fragments. Never throws.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/llm/LlmClient.hpp"

namespace parley::dialog {

/// One fragment of a tool call (`choices[0].delta.tool_calls[]`).
struct ToolCallDelta {
  int index = 0;
  std::string id;         ///< "" when absent
  std::string name;       ///< "" when absent
  std::string arguments;  ///< a substring of the arguments JSON ("" when absent)
};

struct ChatChunk {
  bool done = false;    ///< the literal `[DONE]`
  std::string content;  ///< choices[0].delta.content ("" when absent or null)
  std::vector<ToolCallDelta> toolCalls;
  std::string finishReason;  ///< "" while null
  std::optional<LlmUsage> usage;
  std::optional<std::string> error;  ///< set when the payload carries an `error` object

  /// A chunk is < 4 KiB in practice; 1 MiB bounds a hostile server.
  static constexpr size_t kMaxBytes = 1024 * 1024;
  /// nullopt when `data` is not valid JSON, not an object, too big, or has fields of the wrong
  /// type where we need them.
  static std::optional<ChatChunk> parse(std::string_view data);
};

}  // namespace parley::dialog
