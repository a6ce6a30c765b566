#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "media/PlayoutBuffer.hpp"
#include "media/codec/G711.hpp"

using namespace parley::media;

TEST_CASE("playout buffer hands out whole frames from chunks of any size") {
  PlayoutBuffer b(kFrameSamples * 10);
  std::vector<int16_t> chunk(500);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<int16_t>(i);
  CHECK(b.write(chunk) == 500);
  AudioFrame f;
  REQUIRE(b.pop(f));
  CHECK(f.samples[319] == 319);
  CHECK_FALSE(b.pop(f));  // 180 left: waits for more unless the utterance ended
  b.markEnd();
  REQUIRE(b.pop(f));
  CHECK(f.samples[0] == 320);
  CHECK(f.samples[179] == 499);
  CHECK(f.samples[180] == 0);
  CHECK(b.playedSamples() == 500);
}

TEST_CASE("playout buffer wraps around and refuses what does not fit") {
  PlayoutBuffer b(kFrameSamples * 3);
  AudioFrame in, out;
  for (int round = 0; round < 10; ++round) {
    in.samples.fill(static_cast<int16_t>(round));
    CHECK(b.push(in));
    CHECK(b.push(in));
    CHECK(b.pop(out));
    CHECK(out.samples[0] == round);
    CHECK(b.pop(out));
  }
  CHECK(b.push(in));
  CHECK(b.push(in));
  CHECK(b.push(in));
  CHECK_FALSE(b.push(in));
  std::vector<int16_t> more(10, 1);
  CHECK(b.write(more) == 0);
}

TEST_CASE("flush drops everything at once (barge-in)") {
  PlayoutBuffer b;
  AudioFrame f;
  for (int i = 0; i < 50; ++i) b.push(f);
  CHECK(b.queuedMs() == 1000);
  CHECK(b.flush() == 50 * kFrameSamples);
  CHECK(b.empty());
  CHECK_FALSE(b.pop(f));
}

TEST_CASE("playout buffer keeps sample order across wraps, drains and odd chunk sizes") {
  // Capacity of 3.5 frames; a writer of 333-sample chunks against a 320-sample reader, so the
  // queue sometimes stays non-empty across the end of the ring and sometimes drains to zero
  // (where reading and writing start over at the beginning of the ring).
  PlayoutBuffer b(kFrameSamples * 7 / 2);
  int16_t next = 0, expect = 0;
  AudioFrame f;
  for (int round = 0; round < 200; ++round) {
    std::vector<int16_t> chunk(333);
    for (auto& s : chunk) s = next++;
    size_t accepted = b.write(chunk);
    next = static_cast<int16_t>(next - static_cast<int16_t>(chunk.size() - accepted));
    const int pops = round % 3 == 2 ? 3 : 1;  // every third round drains (almost) everything
    for (int p = 0; p < pops && b.pop(f); ++p)
      for (size_t i = 0; i < kFrameSamples; ++i) REQUIRE(f.samples[i] == expect++);
  }
  b.markEnd();
  while (b.pop(f))
    for (size_t i = 0; i < kFrameSamples && expect != next; ++i) REQUIRE(f.samples[i] == expect++);
  CHECK(expect == next);
  CHECK(b.empty());
}

TEST_CASE("mu-law playout hands out 160-byte payloads unchanged, pads with mu-law silence") {
  // The padding code is what the G.711 encoder makes of a zero sample.
  CHECK(g711::linearToUlaw(0) == kUlawSilence);
  UlawPlayoutBuffer pb;
  std::vector<uint8_t> in(kUlawFrameBytes + 40);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i);
  CHECK(pb.write(in) == in.size());
  CHECK(pb.queuedMs() == 25);
  std::array<uint8_t, kUlawFrameBytes> out{};
  REQUIRE(pb.pop(out));
  CHECK(std::equal(out.begin(), out.end(), in.begin()));
  CHECK_FALSE(pb.pop(out));  // 40 bytes wait for more unless the utterance ended
  pb.markEnd();
  REQUIRE(pb.pop(out));
  CHECK(std::equal(out.begin(), out.begin() + 40, in.begin() + kUlawFrameBytes));
  CHECK(std::all_of(out.begin() + 40, out.end(), [](uint8_t b) { return b == kUlawSilence; }));
  CHECK(pb.playedSamples() == in.size());
  CHECK(pb.write(in) == in.size());
  CHECK(pb.flush() == in.size());
  CHECK_FALSE(pb.pop(out));
}

TEST_CASE("mu-law playout is bounded like PCM playout") {
  UlawPlayoutBuffer pb(kUlawFrameBytes * 2);
  std::vector<uint8_t> in(kUlawFrameBytes * 3, 0x10);
  CHECK(pb.write(in) == kUlawFrameBytes * 2);
  CHECK(pb.queuedMs() == 40);
}
