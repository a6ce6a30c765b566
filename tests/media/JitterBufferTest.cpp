#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "media/JitterBuffer.hpp"
#include "media/codec/G711Codec.hpp"
#include "media/codec/OpusCodec.hpp"

using namespace parley::media;
using Kind = JitterBuffer::FrameKind;

namespace {

/// A decoder whose output shows which packet it came from: payload byte v → 20 ms of value
/// v × 100 per byte of payload (each byte = 20 ms); concealment writes -1.
class MarkerDecoder final : public AudioDecoder {
 public:
  int rtpClockRate() const noexcept override { return 8000; }
  int packetTicks(std::span<const uint8_t> p) const noexcept override {
    return static_cast<int>(p.size()) * 160;
  }
  int decode(std::span<const uint8_t> p, std::span<int16_t> out) noexcept override {
    size_t n = 0;
    for (uint8_t v : p)
      for (size_t i = 0; i < kFrameSamples; ++i) out[n++] = static_cast<int16_t>(v * 100);
    return static_cast<int>(n);
  }
  int conceal(std::span<int16_t> out) noexcept override {
    for (auto& s : out) s = -1;
    ++concealCalls;
    return static_cast<int>(out.size());
  }
  int concealCalls = 0;
};

constexpr int64_t kMs = 1'000'000;

struct Harness {
  MarkerDecoder dec;
  JitterBuffer jb;
  explicit Harness(JitterBufferConfig cfg = {}) : jb(dec, cfg) {}
  bool put(uint16_t seq, uint8_t value, int64_t arrivalMs, uint32_t ssrc = 1) {
    std::array<uint8_t, 1> p = {value};
    return jb.insert(ssrc, seq, static_cast<uint32_t>(seq) * 160u, p, arrivalMs * kMs);
  }
  /// Pulls one frame; returns its first sample (value × 100, -1 concealment, 0 silence).
  int pull(Kind* kind = nullptr) {
    AudioFrame f;
    Kind k = jb.pull(f);
    if (kind) *kind = k;
    return f.samples[0];
  }
};

}  // namespace

TEST_CASE("jitter buffer: in-order stream plays every packet once after priming") {
  Harness h;
  std::vector<int> out;
  for (int i = 0; i < 50; ++i) {
    h.put(static_cast<uint16_t>(i), static_cast<uint8_t>(i % 200 + 1), i * 20);
    out.push_back(h.pull());
  }
  // Primed at the initial 40 ms target: two silent frames, then packets 0, 1, 2, … in order.
  CHECK(out[0] == 0);
  int firstAudio = 0;
  while (out[static_cast<size_t>(firstAudio)] == 0) ++firstAudio;
  CHECK(firstAudio <= 2);
  for (size_t i = static_cast<size_t>(firstAudio); i < out.size(); ++i)
    CHECK(out[i] == static_cast<int>((i - static_cast<size_t>(firstAudio)) % 200 + 1) * 100);
  CHECK(h.jb.stats().lost == 0);
  CHECK(h.jb.stats().concealedFrames == 0);
}

TEST_CASE("jitter buffer: reordered packets are played in sequence order") {
  Harness h;
  // Arrival order 0 2 1 3 5 4 …, one per 20 ms.
  std::vector<uint16_t> order = {0, 2, 1, 3, 5, 4, 6, 8, 7, 9, 10, 11, 12, 13, 14, 15};
  std::vector<int> out;
  for (size_t i = 0; i < order.size(); ++i) {
    h.put(order[i], static_cast<uint8_t>(order[i] + 1), static_cast<int64_t>(i) * 20);
    out.push_back(h.pull());
  }
  std::vector<int> played;
  for (int v : out)
    if (v > 0) played.push_back(v / 100 - 1);
  for (size_t i = 0; i < played.size(); ++i) CHECK(played[i] == static_cast<int>(i));
  CHECK(h.jb.stats().lost == 0);
}

TEST_CASE("jitter buffer: duplicates and late packets are dropped and counted") {
  Harness h;
  for (int i = 0; i < 10; ++i) {
    h.put(static_cast<uint16_t>(i), 1, i * 20);
    h.pull();
  }
  CHECK_FALSE(h.put(9, 1, 200));  // duplicate of one still queued
  CHECK(h.jb.stats().duplicates == 1);
  CHECK_FALSE(h.put(2, 1, 200));  // long played
  CHECK(h.jb.stats().late == 1);
}

TEST_CASE("jitter buffer: a lost packet is concealed once and playout continues") {
  Harness h;
  std::vector<int> out;
  for (int i = 0; i < 30; ++i) {
    if (i != 10) h.put(static_cast<uint16_t>(i), static_cast<uint8_t>(i + 1), i * 20);
    out.push_back(h.pull());
  }
  CHECK(h.jb.stats().lost == 1);
  int concealed = 0;
  for (int v : out) concealed += v == -1;
  CHECK(concealed >= 1);
  CHECK(concealed <= 3);  // waits at most the target delay before giving up on it
  // Packet 11 follows the concealment and the stream goes on in order.
  auto it = std::find(out.begin(), out.end(), 1200);
  REQUIRE(it != out.end());
  CHECK(*(it + 1) == 1300);
}

TEST_CASE("jitter buffer: sequence numbers and timestamps wrap around") {
  Harness h;
  std::vector<int> out;
  for (int i = 0; i < 40; ++i) {
    auto seq = static_cast<uint16_t>(65520 + i);
    std::array<uint8_t, 1> p = {static_cast<uint8_t>(i + 1)};
    uint32_t ts = 0xFFFFF000u + static_cast<uint32_t>(i) * 160u;
    h.jb.insert(7, seq, ts, p, i * 20 * kMs);
    out.push_back(h.pull());
  }
  std::vector<int> played;
  for (int v : out)
    if (v > 0) played.push_back(v / 100);
  REQUIRE(played.size() >= 35);
  for (size_t i = 0; i < played.size(); ++i) CHECK(played[i] == static_cast<int>(i + 1));
  CHECK(h.jb.stats().lost == 0);
}

TEST_CASE("jitter buffer: target delay grows with jitter and stays within bounds") {
  Harness h(JitterBufferConfig{.minDelayMs = 20, .maxDelayMs = 200, .initialDelayMs = 20});
  // Every 5th packet arrives 80 ms late.
  for (int i = 0; i < 200; ++i) {
    int64_t arrival = i * 20 + (i % 5 == 0 ? 80 : 0);
    h.put(static_cast<uint16_t>(i), 1, arrival);
    h.pull();
  }
  CHECK(h.jb.targetDelayMs() >= 80);
  CHECK(h.jb.targetDelayMs() <= 200);
  // Extreme jitter is capped at maxDelayMs.
  Harness g;
  for (int i = 0; i < 200; ++i) {
    g.put(static_cast<uint16_t>(i), 1, i * 20 + (i % 3 == 0 ? 900 : 0));
    g.pull();
  }
  CHECK(g.jb.targetDelayMs() == 200);
}

namespace {
/// Runs a sender whose 20 ms packets arrive every `periodUs` of receiver time against a receiver
/// pulling every 20 000 µs, for `seconds`. Returns the largest buffered delay seen (ms).
int runDrift(Harness& h, int64_t periodUs, int seconds) {
  int64_t nextPacket = 0, nextPull = 0;
  uint16_t seq = 0;
  int maxDelay = 0;
  while (nextPull < int64_t{seconds} * 1'000'000) {
    if (nextPacket <= nextPull) {
      h.put(seq, static_cast<uint8_t>(seq % 200 + 1), nextPacket / 1000);
      ++seq;
      nextPacket += periodUs;
    } else {
      h.pull();
      maxDelay = std::max(maxDelay, h.jb.bufferedMs());
      nextPull += 20'000;
    }
  }
  return maxDelay;
}
}  // namespace

TEST_CASE("jitter buffer: a sender clock 1% fast is absorbed by dropping frames") {
  Harness h;
  int maxDelay = runDrift(h, 19'800, 60);  // 60 s: 600 ms of surplus audio
  CHECK(h.jb.stats().acceleratedFrames >= 25);
  CHECK(maxDelay <= h.jb.targetDelayMs() + 60);
  CHECK(h.jb.stats().lost == 0);
}

TEST_CASE("jitter buffer: a sender clock 1% slow is absorbed by stretching") {
  Harness h;
  int maxDelay = runDrift(h, 20'200, 60);
  CHECK(h.jb.stats().concealedFrames >= 25);
  CHECK(h.jb.stats().lost == 0);
  CHECK(maxDelay <= 200);
}

TEST_CASE("jitter buffer: silence after a long gap - then re-primes (DTX / talkspurts)") {
  Harness h;
  for (int i = 0; i < 10; ++i) {
    h.put(static_cast<uint16_t>(i), 5, i * 20);
    h.pull();
  }
  Kind k{};
  int silent = 0;
  for (int i = 0; i < 20; ++i) {
    h.pull(&k);
    silent += k == Kind::Silence;
  }
  CHECK(silent >= 10);
  // A new talkspurt 1 s later in media time.
  for (int i = 0; i < 10; ++i) {
    h.put(static_cast<uint16_t>(10 + i), 7, 600 + i * 20);
    std::array<uint8_t, 1> p = {7};
    (void)p;
  }
  int v = 0;
  for (int i = 0; i < 5 && v != 700; ++i) v = h.pull();
  CHECK(v == 700);
}

TEST_CASE("jitter buffer: a new SSRC resets the stream") {
  Harness h;
  for (int i = 0; i < 10; ++i) {
    h.put(static_cast<uint16_t>(i), 1, i * 20);
    h.pull();
  }
  int last = 0;
  for (int i = 0; i < 10; ++i) {
    h.put(static_cast<uint16_t>(5000 + i), 9, 200 + i * 20, 2);
    last = h.pull();
  }
  CHECK(h.jb.stats().resets == 1);
  CHECK(last == 900);
}

TEST_CASE("jitter buffer: invalid payloads are refused") {
  Harness h;
  std::array<uint8_t, 0> empty{};
  CHECK_FALSE(h.jb.insert(1, 1, 1, empty, 0));
  std::vector<uint8_t> huge(JitterBuffer::kMaxPayload + 1, 1);
  CHECK_FALSE(h.jb.insert(1, 1, 1, huge, 0));
  CHECK(h.jb.stats().invalid == 2);
}

TEST_CASE("jitter buffer with Opus: a lost packet is rebuilt from in-band FEC") {
  OpusAudioEncoder enc(
      OpusEncoderConfig{.bitrate = 32000, .inbandFec = true, .expectedLossPercent = 20});
  OpusAudioDecoder dec;
  JitterBuffer jb(dec);
  std::array<uint8_t, OpusAudioEncoder::kMaxPacket> buf{};
  AudioFrame f, out;
  int normal = 0;
  for (int i = 0; i < 60; ++i) {
    for (size_t s = 0; s < kFrameSamples; ++s)
      f.samples[s] = static_cast<int16_t>(
          6000 * std::sin(2 * M_PI * 300 * double(i * 320 + int(s)) / 16000.0));
    int n = enc.encode(f, buf);
    REQUIRE(n > 0);
    if (i != 30)
      jb.insert(1, static_cast<uint16_t>(i), static_cast<uint32_t>(i * 960),
                std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)), i * 20 * kMs);
    if (jb.pull(out) == Kind::Normal) ++normal;
  }
  CHECK(jb.stats().lost == 1);
  CHECK(jb.stats().fecRecovered == 1);
  CHECK(normal > 50);
}

TEST_CASE("jitter buffer with G.711 at 30 ms ptime delivers 20 ms frames") {
  G711Decoder dec(G711Law::Alaw);
  JitterBuffer jb(dec);
  std::array<uint8_t, 240> p{};
  p.fill(0xD5);
  AudioFrame out;
  int normal = 0;
  // 30 ms packets every 30 ms; 2 frames pulled per 3 packets... simulate 1.2 s.
  int64_t t = 0;
  uint16_t seq = 0;
  for (int ms = 0; ms < 1200; ms += 10) {
    if (ms % 30 == 0) {
      jb.insert(3, seq, static_cast<uint32_t>(seq) * 240u, p, t);
      ++seq;
    }
    if (ms % 20 == 0 && jb.pull(out) == Kind::Normal) ++normal;
    t += 10 * kMs;
  }
  CHECK(normal > 50);
  CHECK(jb.stats().lost == 0);
}

TEST_CASE("jitter buffer: stats are exported as metrics") {
  parley::core::MetricsRegistry registry;
  JitterBufferMetrics metrics(registry);
  MarkerDecoder dec;
  JitterBuffer jb(dec, {}, &metrics);
  std::array<uint8_t, 1> p = {1};
  AudioFrame f;
  for (int i = 0; i < 100; ++i) {
    if (i != 50)
      jb.insert(1, static_cast<uint16_t>(i), static_cast<uint32_t>(i * 160), p, i * 20 * kMs);
    jb.pull(f);
  }
  jb.insert(1, 3, 3 * 160, p, 0);  // late
  CHECK(metrics.packets.value() == 99);
  CHECK(metrics.lost.value() == 1);
  CHECK(metrics.late.value() == 1);
  CHECK(metrics.concealedMs.value() >= 20);
  CHECK(metrics.delaySeconds.count() >= 1);
  auto text = registry.renderPrometheus();
  CHECK(text.find("parley_jitter_lost_packets_total 1") != std::string::npos);
}
