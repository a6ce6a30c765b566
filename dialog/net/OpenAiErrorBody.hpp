#pragma once
// The human text of an OpenAI-style error body (openai-chat-stream.md §6):
// {"error":{"message":"…","type":"…","code":…}}. Shared by the OpenAI-compatible HTTP clients.
#include <string>
#include <string_view>

namespace parley::dialog {

/// A body over this is not an error object we need to read whole (one short JSON object).
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;

/// `error.message` (or a string `error`, as some compatible servers send), else the first 200
/// bytes of the body as it is. Never throws.
std::string openAiErrorMessage(std::string_view body);

}  // namespace parley::dialog
