#include <doctest/doctest.h>

#include <cmath>

#include "media/codec/G711.hpp"
#include "media/codec/G711Codec.hpp"
#include "tests/media/Fixtures.hpp"

using namespace parley::media;

TEST_CASE("G.711 µ-law encode is bit-exact with sox for every s16 value") {
  // Fixture: `sox -D -t raw -e signed -b 16 all.raw -e mu-law` of -32768..32767 in order.
  auto ref = test::readBinary("g711_sox_ulaw_all_s16.raw");
  REQUIRE(ref.size() == 65536);
  int mismatches = 0;
  for (int i = 0; i < 65536; ++i)
    if (g711::linearToUlaw(static_cast<int16_t>(i - 32768)) != ref[static_cast<size_t>(i)]) {
      if (mismatches++ < 5) MESSAGE("mismatch at ", i - 32768);
    }
  CHECK(mismatches == 0);
}

TEST_CASE("G.711 A-law encode is bit-exact with sox for every s16 value") {
  auto ref = test::readBinary("g711_sox_alaw_all_s16.raw");
  REQUIRE(ref.size() == 65536);
  int mismatches = 0;
  for (int i = 0; i < 65536; ++i)
    if (g711::linearToAlaw(static_cast<int16_t>(i - 32768)) != ref[static_cast<size_t>(i)]) {
      if (mismatches++ < 5) MESSAGE("mismatch at ", i - 32768);
    }
  CHECK(mismatches == 0);
}

TEST_CASE("G.711 decode matches sox for all 256 codes") {
  auto ul = test::readBinary("g711_sox_ulaw_decode_s16le.raw");
  auto al = test::readBinary("g711_sox_alaw_decode_s16le.raw");
  REQUIRE(ul.size() == 512);
  REQUIRE(al.size() == 512);
  for (int c = 0; c < 256; ++c) {
    auto u = static_cast<int16_t>(ul[2 * c] | (ul[2 * c + 1] << 8));
    auto a = static_cast<int16_t>(al[2 * c] | (al[2 * c + 1] << 8));
    CHECK(g711::ulawToLinear(static_cast<uint8_t>(c)) == u);
    CHECK(g711::alawToLinear(static_cast<uint8_t>(c)) == a);
  }
}

TEST_CASE("G.711 round trip keeps a tone within companding error") {
  for (G711Law law : {G711Law::Ulaw, G711Law::Alaw}) {
    G711Encoder enc(law);
    G711Decoder dec(law);
    std::array<uint8_t, 200> payload{};
    std::array<int16_t, AudioDecoder::kMaxDecodeSamples> out{};
    double errSum = 0, sigSum = 0;
    for (int f = 0; f < 10; ++f) {
      AudioFrame frame;
      for (size_t i = 0; i < kFrameSamples; ++i)
        frame.samples[i] = static_cast<int16_t>(
            8000 * std::sin(2 * M_PI * 440 * double(f * 320 + int(i)) / 16000.0));
      int n = enc.encode(frame, payload);
      REQUIRE(n == 160);
      CHECK(dec.packetTicks(std::span(payload.data(), 160)) == 160);
      int m = dec.decode(std::span<const uint8_t>(payload.data(), 160), out);
      REQUIRE(m == 320);
      if (f > 2) {  // after the resamplers' delay, compare energy only (phase shifts by delay)
        for (int i = 0; i < m; ++i) sigSum += double(out[size_t(i)]) * out[size_t(i)];
        for (auto s : frame.samples) errSum += double(s) * s;
      }
    }
    CHECK(sigSum / errSum == doctest::Approx(1.0).epsilon(0.1));
  }
}

TEST_CASE("G.711 concealment repeats then fades to silence within 60 ms") {
  G711Decoder dec(G711Law::Ulaw);
  std::array<uint8_t, 160> payload{};
  payload.fill(g711::linearToUlaw(4000));
  std::array<int16_t, AudioDecoder::kMaxDecodeSamples> out{};
  for (int i = 0; i < 5; ++i) dec.decode(payload, out);
  std::array<int16_t, kFrameSamples> c{};
  dec.conceal(c);
  CHECK(std::abs(c[0]) > 3000);
  dec.conceal(c);
  dec.conceal(c);
  dec.conceal(c);
  for (auto s : c) CHECK(s == 0);
}
