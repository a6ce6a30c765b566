// libFuzzer: SDP offer parsing and answer building. Invariants: no crash; an accepted offer
// yields an answer whose audio m= line carries the chosen Opus payload type.
#include <cstdint>
#include <string>
#include <string_view>

#include "media/webrtc/Sdp.hpp"

using namespace parley::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SdpError err{};
  auto offer = Sdp::parseOffer(text, err);
  if (!offer) {
    if (err.reason.empty()) __builtin_trap();
    return 0;
  }
  SdpAnswerParams p;
  p.iceUfrag = "u";
  p.icePwd = "p";
  p.fingerprintSha256 = "AA";
  p.candidateIp = "127.0.0.1";
  p.candidatePort = 9;
  const std::string answer = Sdp::buildAnswer(*offer, p);
  const auto& audio = offer->sections.at(static_cast<size_t>(offer->audioIndex));
  if (answer.find("a=rtpmap:" + std::to_string(audio.opusPt) + " opus/48000/2") ==
      std::string::npos)
    __builtin_trap();
  return 0;
}
