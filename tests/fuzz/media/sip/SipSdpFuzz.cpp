// libFuzzer: remote SDP (hostile, from any INVITE or re-INVITE) through sofia's parser and our
// negotiation. Invariants: never crash; whatever we negotiate, our answer parses back to the
// same port and payload types.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "media/sip/SipSdp.hpp"

using namespace parley::media::sip;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string err;
  auto offer = parseSdp(text, &err);
  if (!offer) return 0;
  for (const auto& f : offer->formats)
    if (f.payloadType < 0 || f.payloadType > 127) std::abort();
  auto choice = negotiate(*offer, {SipCodec::Pcmu, SipCodec::Pcma, SipCodec::Opus});
  if (!choice) return 0;
  SdpLocal local{.address = "192.0.2.1",
                 .port = 20000,
                 .sessionId = 1,
                 .direction = answerDirection(offer->direction)};
  auto back = parseSdp(buildAnswer(local, *choice));
  if (!back || back->port != 20000 || back->formats.empty() ||
      back->formats[0].payloadType != choice->payloadType)
    std::abort();
  return 0;
}
