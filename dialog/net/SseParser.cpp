#include "dialog/net/SseParser.hpp"

namespace parley::dialog {

bool SseParser::feed(std::string_view bytes, const OnEvent& onEvent) {
  if (failed_) return false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (lastWasCr_) {
      lastWasCr_ = false;
      if (c == '\n') continue;  // the LF of a CRLF split across reads (or not)
    }
    if (c == '\r' || c == '\n') {
      lastWasCr_ = (c == '\r');
      processLine(onEvent);
      if (failed_) return false;
      continue;
    }
    // Copy the run up to the next line end in one go.
    size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) end = bytes.size();
    if (line_.size() + (end - i) > maxLine_) {
      failed_ = true;
      return false;
    }
    line_.append(bytes.substr(i, end - i));
    i = end - 1;
  }
  return true;
}

void SseParser::processLine(const OnEvent& onEvent) {
  std::string_view line(line_);
  if (line.empty()) {
    if (sawData_) {
      SseEvent ev{event_, data_, id_};
      onEvent(ev);
    }
    data_.clear();
    event_.clear();
    sawData_ = false;
    return;
  }
  if (line.front() == ':') {  // comment (keep-alives such as ": OPENROUTER PROCESSING")
    line_.clear();
    return;
  }
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (data_.size() + value.size() + 1 > maxEvent_) {
      failed_ = true;
      line_.clear();
      return;
    }
    if (sawData_) data_.push_back('\n');
    data_.append(value);
    sawData_ = true;
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_.assign(value);
  }
  // "retry" and unknown fields are ignored (we do our own reconnect policy).
  line_.clear();
}

}  // namespace parley::dialog
