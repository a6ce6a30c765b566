// libFuzzer target: the jitter buffer's packet input. The input is a script of operations
// (insert a packet with fuzzed seq/timestamp/SSRC/arrival/payload, or pull a frame) run against
// a G.711 and an Opus buffer, so reordering, duplicates, wrap-around, SSRC changes, absurd
// timestamps and corrupt Opus payloads all reach insert() and pull().
#include <cstdint>
#include <span>

#include "media/JitterBuffer.hpp"
#include "media/codec/G711Codec.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/rtp/RtpPacket.hpp"

using namespace parley::media;

namespace {
struct Reader {
  const uint8_t* p;
  size_t n;
  bool take(size_t k) const { return n >= k; }
  uint8_t u8() {
    uint8_t v = *p;
    ++p;
    --n;
    return v;
  }
  uint16_t u16() { return static_cast<uint16_t>((u8() << 8) | u8()); }
  uint32_t u32() { return (uint32_t{u16()} << 16) | u16(); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static G711Decoder g711(G711Law::Ulaw);
  static OpusAudioDecoder opus;
  JitterBuffer jbG(g711);
  JitterBuffer jbO(opus);
  Reader r{data, size};
  int64_t now = 0;
  AudioFrame frame;
  while (r.take(1)) {
    uint8_t op = r.u8();
    if ((op & 3) == 0) {
      (void)jbG.pull(frame);
      (void)jbO.pull(frame);
      now += 20'000'000;
      continue;
    }
    if (!r.take(11)) break;
    uint16_t seq = r.u16();
    uint32_t ts = r.u32();
    uint8_t ssrc = r.u8() & 1;
    int64_t jitter = int64_t{r.u16()} * 100'000;  // up to 6.5 s of arrival skew
    size_t len = r.u16() % 1400;
    if (len > r.n) len = r.n;
    auto payload = std::span<const uint8_t>(r.p, len);
    r.p += len;
    r.n -= len;
    jbG.insert(ssrc, seq, ts, payload, now + jitter);
    jbO.insert(ssrc, seq, ts, payload, now + jitter);
    // Also through the RTP parser when the bytes happen to be a packet.
    if (auto pkt = RtpPacket::parse(payload)) jbG.insert(*pkt, now);
  }
  for (int i = 0; i < 20; ++i) {
    (void)jbG.pull(frame);
    (void)jbO.pull(frame);
  }
  return 0;
}
