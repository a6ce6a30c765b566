// libFuzzer target: RFC 4733 telephone-event payloads through parse and the DTMF receiver.
// Input = a sequence of records: 4-byte RTP timestamp + 4-byte payload.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/rtp/TelephoneEvent.hpp"

using namespace parley::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)TelephoneEvent::parse(std::span<const uint8_t>(data, size));
  DtmfReceiver rx(8000);
  for (size_t off = 0; off + 8 <= size; off += 8) {
    uint32_t ts = (uint32_t{data[off]} << 24) | (uint32_t{data[off + 1]} << 16) |
                  (uint32_t{data[off + 2]} << 8) | data[off + 3];
    auto payload = std::span<const uint8_t>(data + off + 4, 4);
    if (auto d = rx.onPacket(ts, payload)) {
      if (!digitToEvent(d->digit)) std::abort();  // only real digits come out
    }
    if (auto e = TelephoneEvent::parse(payload)) {
      uint8_t out[4];
      if (e->serialize(out) != 4 || out[0] != payload[0] || out[2] != payload[2]) std::abort();
    }
  }
  return 0;
}
