// libFuzzer target: the SSE parser and the chat chunk parser on hostile bytes, split at a
// fuzzer-chosen point (DESIGN.md §9).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dialog/llm/ChatChunk.hpp"
#include "dialog/net/SseParser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t cut = in.empty() ? 0 : data[0] % (in.size() + 1);
  parley::dialog::SseParser parser(4096, 16384);
  auto on = [](const parley::dialog::SseEvent& e) {
    (void)parley::dialog::ChatChunk::parse(e.data);
  };
  parser.feed(in.substr(0, cut), on);
  parser.feed(in.substr(cut), on);
  return 0;
}
