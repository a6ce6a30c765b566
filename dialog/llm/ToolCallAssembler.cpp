#include "dialog/llm/ToolCallAssembler.hpp"

namespace parley::dialog {

bool ToolCallAssembler::add(const ToolCallDelta& delta) {
  auto it = calls_.find(delta.index);
  if (it == calls_.end()) {
    if (calls_.size() >= kMaxCalls) return false;
    it = calls_.emplace(delta.index, ToolCall{.index = delta.index}).first;
  }
  ToolCall& call = it->second;
  if (!delta.id.empty() && call.id.empty()) call.id = delta.id;
  // Some servers repeat the name on every fragment; others send it once.
  if (!delta.name.empty() && call.name.empty()) call.name = delta.name;
  if (call.arguments.size() + delta.arguments.size() > kMaxArgumentBytes) return false;
  call.arguments += delta.arguments;
  return true;
}

std::vector<ToolCall> ToolCallAssembler::calls() const {
  std::vector<ToolCall> out;
  out.reserve(calls_.size());
  for (const auto& [index, call] : calls_)
    if (!call.name.empty()) out.push_back(call);
  return out;
}

}  // namespace parley::dialog
