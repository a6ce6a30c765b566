#pragma once
// Server → client messages of Deepgram live /v1/listen (deepgram-live.md §4), parsed from
// untrusted text frames: Results, UtteranceEnd, SpeechStarted, Metadata, Error. Never throws.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "dialog/stt/SttStream.hpp"

namespace parley::dialog {

struct DeepgramMessage {
  enum class Type { Results, UtteranceEnd, SpeechStarted, Metadata, Error, Unknown };
  Type type = Type::Unknown;
  SttTranscript result;      ///< Results: first alternative, times as sent (connection-relative)
  double lastWordEnd = 0;    ///< UtteranceEnd
  double timestamp = 0;      ///< SpeechStarted
  std::string requestId;     ///< Metadata
  std::string errorVariant;  ///< Error: "SchemaError", "InvalidConfigureMessage" …
  std::string errorDescription;

  /// A Results message is < 8 KiB even with many words; 256 KiB bounds a hostile peer.
  static constexpr size_t kMaxBytes = 256 * 1024;
  /// nullopt if not a JSON object, too big, or a known type with fields of the wrong type.
  static std::optional<DeepgramMessage> parse(std::string_view text);
};

}  // namespace parley::dialog
