#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/Error.hpp"
#include "media/Vad.hpp"

using namespace parley::media;

namespace {
/// A synthetic vowel: 140 Hz pulse train through three formant-ish harmonics, 20 ms at `rate`.
void vowel(std::vector<int16_t>& f, int rate, int index, double amp) {
  for (size_t i = 0; i < f.size(); ++i) {
    double t = double(index * int(f.size()) + int(i)) / rate;
    double v = std::sin(2 * M_PI * 140 * t) + 0.7 * std::sin(2 * M_PI * 700 * t) +
               0.5 * std::sin(2 * M_PI * 1120 * t);
    f[i] = static_cast<int16_t>(amp * v);
  }
}
}  // namespace

TEST_CASE("VAD: onset within 60 ms of a vowel in noise - offset after the hangover") {
  for (int rate : {16000, 8000}) {
    Vad vad(VadConfig{.sampleRate = rate});
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0, 100);  // ≈ -50 dBFS background
    std::vector<int16_t> f(static_cast<size_t>(rate / 50));
    auto noiseFrame = [&] {
      for (auto& s : f) s = static_cast<int16_t>(noise(rng));
    };
    for (int i = 0; i < 100; ++i) {  // 2 s of background only
      noiseFrame();
      CHECK_FALSE(vad.process(f));
    }
    int onsetFrame = -1;
    for (int i = 0; i < 50; ++i) {  // 1 s of vowel over the noise
      vowel(f, rate, i, 3000);
      for (auto& s : f) s = static_cast<int16_t>(s + noise(rng));
      vad.process(f);
      if (vad.lastEvent() == Vad::Event::Onset) onsetFrame = i;
    }
    REQUIRE(onsetFrame >= 0);
    CHECK(onsetFrame * 20 <= 60);
    CHECK(vad.speaking());
    int offsetFrame = -1;
    for (int i = 0; i < 50; ++i) {
      noiseFrame();
      vad.process(f);
      if (vad.lastEvent() == Vad::Event::Offset) offsetFrame = i;
    }
    REQUIRE(offsetFrame >= 0);
    CHECK(offsetFrame * 20 + 20 >= VadConfig{}.hangoverMs);
    CHECK(offsetFrame * 20 <= VadConfig{}.hangoverMs + 60);
    CHECK(vad.noiseFloorDb() < -40);
  }
}

TEST_CASE("VAD: a single click does not start speech - silence and wrong sizes are ignored") {
  Vad vad;
  std::vector<int16_t> f(320, 0);
  for (int i = 0; i < 50; ++i) CHECK_FALSE(vad.process(f));
  f[10] = 20000;  // one impulsive frame
  vad.process(f);
  f[10] = 0;
  for (int i = 0; i < 5; ++i) vad.process(f);
  CHECK_FALSE(vad.speaking());
  std::vector<int16_t> wrong(100, 1000);
  CHECK_FALSE(vad.process(wrong));
  CHECK_THROWS_AS(Vad(VadConfig{.sampleRate = 44100}), parley::core::Error);
}
