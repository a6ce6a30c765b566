#include "dialog/llm/ChatChunk.hpp"

#include <nlohmann/json.hpp>

namespace parley::dialog {

namespace {
using nlohmann::json;

constexpr int kMaxToolIndex = 63;  // parallel calls use 0,1,2…; 64 bounds the assembler

int intOr(const json& j, const char* key, int fallback) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return fallback;
  auto v = it->get<int64_t>();
  if (v < 0 || v > 1'000'000'000) return fallback;
  return static_cast<int>(v);
}

std::string stringOr(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}
}  // namespace

std::optional<ChatChunk> ChatChunk::parse(std::string_view data) {
  ChatChunk chunk;
  std::string_view trimmed = data;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\n'))
    trimmed.remove_suffix(1);
  if (trimmed.starts_with("[DONE]")) {
    chunk.done = true;
    return chunk;
  }
  if (data.size() > kMaxBytes) return std::nullopt;
  json j = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;

  if (auto e = j.find("error"); e != j.end() && !e->is_null()) {
    std::string message = "provider error";
    if (e->is_object()) {
      if (auto m = stringOr(*e, "message"); !m.empty()) message = m;
    } else if (e->is_string()) {
      message = e->get<std::string>();
    }
    chunk.error = message;
    return chunk;
  }

  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    LlmUsage usage;
    usage.promptTokens = intOr(*u, "prompt_tokens", 0);
    usage.completionTokens = intOr(*u, "completion_tokens", 0);
    usage.totalTokens = intOr(*u, "total_tokens", usage.promptTokens + usage.completionTokens);
    chunk.usage = usage;
  }

  auto choices = j.find("choices");
  if (choices == j.end() || choices->is_null()) return chunk;
  if (!choices->is_array()) return std::nullopt;
  for (const auto& choice : *choices) {
    if (!choice.is_object()) return std::nullopt;
    if (intOr(choice, "index", 0) != 0) continue;  // we ask for n = 1
    if (auto fr = choice.find("finish_reason"); fr != choice.end() && fr->is_string())
      chunk.finishReason = fr->get<std::string>();
    auto delta = choice.find("delta");
    if (delta == choice.end() || delta->is_null()) continue;
    if (!delta->is_object()) return std::nullopt;
    chunk.content = stringOr(*delta, "content");
    auto calls = delta->find("tool_calls");
    if (calls == delta->end() || calls->is_null()) continue;
    if (!calls->is_array()) return std::nullopt;
    for (const auto& call : *calls) {
      if (!call.is_object()) return std::nullopt;
      ToolCallDelta d;
      d.index = intOr(call, "index", -1);
      if (d.index < 0 || d.index > kMaxToolIndex) return std::nullopt;
      d.id = stringOr(call, "id");
      if (auto fn = call.find("function"); fn != call.end() && fn->is_object()) {
        d.name = stringOr(*fn, "name");
        if (auto args = fn->find("arguments"); args != fn->end()) {
          if (args->is_string()) {
            d.arguments = args->get<std::string>();
          } else if (args->is_object()) {  // Ollama sends the arguments already parsed
            d.arguments = args->dump();
          }
        }
      }
      chunk.toolCalls.push_back(std::move(d));
    }
  }
  return chunk;
}

}  // namespace parley::dialog
