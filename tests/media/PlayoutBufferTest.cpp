#include <doctest/doctest.h>

#include <vector>

#include "media/PlayoutBuffer.hpp"

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
