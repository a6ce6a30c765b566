#pragma once
// Assembles streamed tool-call fragments into whole calls, keyed on `index` (not `id`, which
// later fragments omit): the first fragment brings id and name, later ones append substrings of
// `arguments` (openai-chat-stream.md §3). Bounded: a hostile server cannot grow it without limit.
#include <cstddef>
#include <map>
#include <vector>

#include "dialog/llm/ChatChunk.hpp"

namespace parley::dialog {

class ToolCallAssembler {
 public:
  /// Real arguments are < 1 KiB; a booking call with notes stays far below 64 KiB.
  static constexpr size_t kMaxArgumentBytes = 64 * 1024;
  static constexpr size_t kMaxCalls = 16;

  /// Adds one fragment. Returns false if a bound is exceeded (the reply should be rejected).
  bool add(const ToolCallDelta& delta);
  bool empty() const { return calls_.empty(); }
  /// The calls so far, ordered by index. A call whose name never arrived is dropped.
  std::vector<ToolCall> calls() const;
  void clear() { calls_.clear(); }

 private:
  std::map<int, ToolCall> calls_;
};

}  // namespace parley::dialog
