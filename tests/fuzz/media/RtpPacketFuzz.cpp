// libFuzzer target: RtpPacket::parse on hostile bytes, then every accessor, then a re-serialize
// of what was parsed (which must parse back to the same header fields).
#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "media/rtp/RtpPacket.hpp"

using namespace parley::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)RtpPacket::isRtp(in);
  auto p = RtpPacket::parse(in);
  if (!p) return 0;
  std::array<uint32_t, RtpPacket::kMaxCsrcs> csrcs{};
  for (size_t i = 0; i < p->csrcCount(); ++i) csrcs[i] = p->csrc(i);
  std::array<RtpExtensionElement, 32> ext{};
  size_t extCount = 0;
  p->forEachExtension([&](const RtpExtensionElement& e) {
    if (extCount < ext.size() && e.id != 0) ext[extCount++] = e;
  });
  for (uint8_t id = 1; id < 16; ++id) (void)p->findExtension(id);
  RtpHeader h{.marker = p->marker(),
              .payloadType = p->payloadType(),
              .sequenceNumber = p->sequenceNumber(),
              .timestamp = p->timestamp(),
              .ssrc = p->ssrc(),
              .csrcs = std::span<const uint32_t>(csrcs.data(), p->csrcCount()),
              .extensions = std::span<const RtpExtensionElement>(ext.data(), extCount),
              .paddingBytes = static_cast<uint8_t>(p->paddingBytes())};
  std::vector<uint8_t> out(RtpPacket::kMaxPacketSize * 2);
  size_t n = RtpPacket::serialize(h, p->payload(), out);
  if (n == 0 || n > RtpPacket::kMaxPacketSize) return 0;
  auto q = RtpPacket::parse(std::span<const uint8_t>(out.data(), n));
  if (!q || q->sequenceNumber() != p->sequenceNumber() || q->timestamp() != p->timestamp() ||
      q->ssrc() != p->ssrc() || q->payload().size() != p->payload().size() ||
      q->csrcCount() != p->csrcCount())
    std::abort();
  return 0;
}
