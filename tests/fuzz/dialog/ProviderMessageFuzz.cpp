// libFuzzer target: the Deepgram and ElevenLabs websocket JSON message parsers (and base64).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dialog/net/Base64.hpp"
#include "dialog/stt/DeepgramMessage.hpp"
#include "dialog/tts/ElevenLabsMessage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)parley::dialog::DeepgramMessage::parse(in);
  (void)parley::dialog::ElevenLabsMessage::parse(in);
  (void)parley::dialog::base64Decode(in);
  return 0;
}
