#pragma once
// Incremental parser for Server-Sent Events (WHATWG HTML §9.2.6 "event stream interpretation";
// the OpenAI SDK's SSEDecoder, openai-chat-stream.md §2). Bytes may be split anywhere — inside a
// line, between CR and LF, inside a UTF-8 sequence — because nothing is interpreted before a
// whole line is buffered. Lines end in CRLF, LF or CR. `data:` lines of one event are joined with
// "\n"; lines starting with ':' are comments; an event is dispatched at a blank line. Bounded:
// a line or an event larger than the limits puts the parser in a sticky error state.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace parley::dialog {

/// One dispatched event. Views are valid only during the callback.
struct SseEvent {
  std::string_view event;  ///< `event:` field, "" when absent (the spec's "message")
  std::string_view data;   ///< the `data:` lines joined with "\n"
  std::string_view id;     ///< `id:` field, "" when absent
};

class SseParser {
 public:
  using OnEvent = std::function<void(const SseEvent&)>;
  /// A real chat chunk is < 4 KiB; a tool-call chunk with long arguments stays well below 64 KiB.
  static constexpr size_t kDefaultMaxLineBytes = 256 * 1024;
  static constexpr size_t kDefaultMaxEventBytes = 1024 * 1024;

  explicit SseParser(size_t maxLineBytes = kDefaultMaxLineBytes,
                     size_t maxEventBytes = kDefaultMaxEventBytes)
      : maxLine_(maxLineBytes), maxEvent_(maxEventBytes) {}

  /// Feeds bytes; calls `onEvent` for every complete event. Returns false (and ignores further
  /// input) once a line or event exceeded its bound. Never throws on any input.
  bool feed(std::string_view bytes, const OnEvent& onEvent);
  /// True once a bound was exceeded.
  bool failed() const { return failed_; }
  /// True if bytes of an unfinished event are buffered (a stream cut mid-event).
  bool hasPartial() const { return !line_.empty() || !data_.empty() || sawData_; }

 private:
  void processLine(const OnEvent& onEvent);

  size_t maxLine_;
  size_t maxEvent_;
  std::string line_;
  std::string data_;
  std::string event_;
  std::string id_;
  bool sawData_ = false;
  bool lastWasCr_ = false;
  bool failed_ = false;
};

}  // namespace parley::dialog
