// libFuzzer target: RTCP compound parse and every typed parser on each packet inside, then the
// writer re-emitting what was understood (which must parse back).
#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/rtp/RtcpPacket.hpp"

using namespace parley::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)RtcpCompound::isRtcp(in);
  auto c = RtcpCompound::parse(in);
  if (!c) return 0;
  std::array<uint8_t, 4096> buf{};
  RtcpWriter w(buf);
  size_t written = 0;  // packets the writer accepted
  for (const auto& p : *c) {
    if (auto sr = RtcpSenderReport::parse(p)) written += w.addSenderReport(*sr);
    if (auto rr = RtcpReceiverReport::parse(p)) written += w.addReceiverReport(*rr);
    if (auto sdes = RtcpSdes::parse(p)) {
      sdes->forEachItem([&](uint32_t ssrc, uint8_t type, std::string_view v) {
        if (type == RtcpSdes::kCname) written += w.addSdesCname(ssrc, v);
      });
      (void)sdes->cname(0);
    }
    if (auto bye = RtcpBye::parse(p))
      written +=
          w.addBye(std::span<const uint32_t>(bye->ssrcs.data(), bye->ssrcCount), bye->reason);
  }
  // What the writer produced must parse back, within the parser's bounds (one SDES packet per
  // CNAME can exceed kMaxPackets; that is a bound, not a bug).
  if (written > 0 && written <= RtcpCompound::kMaxPackets && w.size() <= RtcpCompound::kMaxSize &&
      !RtcpCompound::parse(w.data()))
    std::abort();
  return 0;
}
