#pragma once
// Standard base64 (RFC 4648 §4) decoding of untrusted provider payloads (ElevenLabs `audio`).
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace parley::dialog {

/// Decodes base64 with or without '=' padding; nullopt on any other character, bad padding or
/// input longer than `maxInputBytes`. Whitespace is not accepted (providers send none).
std::optional<std::vector<uint8_t>> base64Decode(std::string_view in,
                                                 size_t maxInputBytes = 8 * 1024 * 1024);

}  // namespace parley::dialog
