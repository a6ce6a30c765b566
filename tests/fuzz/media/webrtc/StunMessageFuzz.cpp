// libFuzzer: STUN parsing, integrity/fingerprint checks, and the ICE-lite server's answer to
// whatever parses. Invariants: no crash, a response always fits and parses back.
#include <array>
#include <cstdint>
#include <span>

#include "media/webrtc/IceLiteServer.hpp"
#include "media/webrtc/StunMessage.hpp"

using namespace parley;
using namespace parley::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  auto m = StunMessage::parse(in);
  if (!m) return 0;
  (void)m->checkIntegrity("server-password-0123456789");
  (void)m->checkFingerprint();
  (void)m->xorMappedAddress();
  static IceLiteServer ice("srvU", "server-password-0123456789", "cliU");
  std::array<uint8_t, IceLiteServer::kMaxResponse> out{};
  static const auto from = *core::SocketAddress::parse("127.0.0.1:5000");
  auto r = ice.handle(*m, from, out, 1);
  if (r.responseSize > 0) {
    auto back = StunMessage::parse(std::span<const uint8_t>(out.data(), r.responseSize));
    if (!back || !back->checkFingerprint()) __builtin_trap();
  }
  return 0;
}
