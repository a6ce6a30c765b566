#pragma once
// Server → client messages of the ElevenLabs stream-input websocket (elevenlabs-ws.md §1.3),
// parsed from untrusted text frames: base64 `audio`, `isFinal`, `alignment` /
// `normalizedAlignment` in every spelling the notes list (charStartTimesMs / char_start_times_ms,
// charDurationsMs / charsDurationsMs / chars_durations_ms), and `error` + `message`. Never throws.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::dialog {

/// Character timings of one audio chunk, relative to the chunk start (ms).
struct ElevenLabsAlignment {
  std::vector<std::string> chars;  ///< one UTF-8 character per entry
  std::vector<double> startMs;
  std::vector<double> durationMs;
};

struct ElevenLabsMessage {
  std::vector<uint8_t> audio;  ///< decoded bytes (empty when absent or null)
  bool isFinal = false;
  std::optional<ElevenLabsAlignment> alignment;  ///< normalizedAlignment preferred, else alignment
  std::optional<std::string> error;              ///< "error: message"

  /// ~1 s of 24 kHz PCM in base64 plus alignment is < 200 KiB; 2 MiB bounds a hostile peer.
  static constexpr size_t kMaxBytes = 2 * 1024 * 1024;
  static std::optional<ElevenLabsMessage> parse(std::string_view text);
};

}  // namespace parley::dialog
