#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/Error.hpp"
#include "media/Vad.hpp"
#include "media/vad/ActiveSpeechLevel.hpp"

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

TEST_CASE("VAD: a voiced step after noise starts speech within one frame at 8 and 16 kHz") {
  // The fast onset path: one speech-like frame with clear periodicity is enough, so a vowel
  // that starts over steady noise is reported in its first or second 20 ms frame (the second
  // when the first one's pitch lags still reach back into the noise).
  for (int rate : {16000, 8000}) {
    for (double amp : {3000.0, 1000.0}) {  // ≈ 24 dB and 14 dB over the noise
      Vad vad(VadConfig{.sampleRate = rate});
      std::mt19937 rng(3);
      std::normal_distribution<double> noise(0, 150);
      std::vector<int16_t> f(static_cast<size_t>(rate / 50));
      for (int i = 0; i < 100; ++i) {
        for (auto& s : f) s = static_cast<int16_t>(noise(rng));
        CHECK_FALSE(vad.process(f));
      }
      int onsetFrame = -1;
      for (int i = 0; i < 10 && onsetFrame < 0; ++i) {
        vowel(f, rate, i, amp);
        for (auto& s : f) s = static_cast<int16_t>(s + noise(rng));
        vad.process(f);
        if (vad.lastEvent() == Vad::Event::Onset) onsetFrame = i;
      }
      CAPTURE(rate);
      CAPTURE(amp);
      CHECK(onsetFrame >= 0);
      CHECK(onsetFrame <= 1);
    }
  }
}

TEST_CASE("VAD: a decaying bang does not start speech - a rising unvoiced sound does") {
  // Clatter (a dish, a door) is loud and aperiodic and peaks in its first frame; an unvoiced
  // speech start (/s/, /h/) is aperiodic too but builds up. Neither is voiced, so only the
  // rising-pair and three-in-a-row paths can start speech.
  constexpr double kTauMs = 25;  // bang decay: about 7 dB per 20 ms frame
  for (int rate : {16000, 8000}) {
    const size_t n = static_cast<size_t>(rate / 50);
    std::vector<int16_t> f(n);
    auto run = [&](auto amplitudeAt) {  // amplitudeAt(sampleIndex) -> noise sigma
      Vad vad(VadConfig{.sampleRate = rate});
      std::mt19937 rng(5);
      std::normal_distribution<double> unit(0, 1);
      for (int i = 0; i < 100; ++i) {
        for (auto& s : f) s = static_cast<int16_t>(60 * unit(rng));
        vad.process(f);
      }
      for (int i = 0; i < 15; ++i) {
        for (size_t k = 0; k < n; ++k) {
          const double v = (60 + amplitudeAt(size_t(i) * n + k)) * unit(rng);
          f[k] = static_cast<int16_t>(std::clamp(v, -32768.0, 32767.0));
        }
        vad.process(f);
        if (vad.lastEvent() == Vad::Event::Onset) return i;
      }
      return -1;
    };
    const double samplesPerMs = rate / 1000.0;
    CAPTURE(rate);
    // A bang 36 dB over the background, decaying.
    CHECK(run([&](size_t k) { return 4000 * std::exp(-double(k) / samplesPerMs / kTauMs); }) == -1);
    // A hiss rising 6 dB per frame to 30 dB over the background: speech after two frames.
    const int rising = run([&](size_t k) { return std::min(2000.0, 500.0 * std::exp2(k / n)); });
    CHECK(rising >= 0);
    CHECK(rising <= 1);
  }
}

TEST_CASE("VAD: at 16 kHz a sibilant above 4 kHz starts speech") {
  // /s/ has most of its energy at 4-8 kHz, which the 200-3400 Hz analysis barely sees; the
  // 16 kHz VAD also tracks that band. Background: low-frequency rumble; then a steady hiss
  // near 6-8 kHz (low-passed noise shifted up by fs/2: every other sample negated).
  // Fixed thresholds only (adaptiveSpreadK 0): over this steady rumble the adaptive ones would
  // also hear the hiss's leak into the 2-3.4 kHz band, and this test is about the high band.
  for (double highBandSnrDb : {VadConfig{}.highBandSnrDb, 99.0}) {  // 99: high band off
    Vad vad(VadConfig{.sampleRate = 16000, .highBandSnrDb = highBandSnrDb, .adaptiveSpreadK = 0});
    std::mt19937 rng(11);
    std::normal_distribution<double> unit(0, 1);
    std::vector<int16_t> f(320);
    double lp = 0, hiss = 0;
    auto rumble = [&] {
      lp = 0.95 * lp + 0.05 * 4000 * unit(rng);  // one-pole low-pass, corner ≈ 130 Hz
      return lp;
    };
    for (int i = 0; i < 100; ++i) {
      for (auto& s : f) s = static_cast<int16_t>(rumble());
      CHECK_FALSE(vad.process(f));
    }
    int onset = -1;
    for (int i = 0; i < 10 && onset < 0; ++i) {
      for (size_t k = 0; k < f.size(); ++k) {
        hiss = 0.7 * hiss + 0.3 * 1500 * unit(rng);  // corner ≈ 900 Hz before the shift
        f[k] = static_cast<int16_t>(rumble() + (k % 2 ? -hiss : hiss));
      }
      vad.process(f);
      if (vad.lastEvent() == Vad::Event::Onset) onset = i;
    }
    CAPTURE(highBandSnrDb);
    if (highBandSnrDb > 90) {
      CHECK(onset == -1);  // the speech bands alone do not hear it
      continue;
    }
    CHECK(onset >= 0);
    CHECK(onset <= Vad::kOnsetFrames - 1);
    CHECK(vad.lastHighBandSnrDb() > highBandSnrDb);
  }
}

TEST_CASE(
    "VAD: over steady noise a sound 4 dB above it starts speech - not with fixed thresholds") {
  // Steady backgrounds (fans, hiss, line noise) vary by well under a dB from frame to frame, so
  // the noise-adaptive thresholds drop to a few dB and a quiet unvoiced start is heard after
  // kOnsetFrames frames; with adaptiveSpreadK = 0 the fixed 6/10/12 dB thresholds miss it.
  for (int rate : {16000, 8000}) {
    for (double k : {VadConfig{}.adaptiveSpreadK, 0.0}) {
      Vad vad(VadConfig{.sampleRate = rate, .adaptiveSpreadK = k});
      std::mt19937 rng(13);
      std::normal_distribution<double> unit(0, 1);
      std::vector<int16_t> f(static_cast<size_t>(rate / 50));
      for (int i = 0; i < 150; ++i) {  // 3 s of white noise, about -40 dBFS
        for (auto& s : f) s = static_cast<int16_t>(300 * unit(rng));
        CHECK_FALSE(vad.process(f));
      }
      int onset = -1;
      for (int i = 0; i < 10 && onset < 0; ++i) {  // the same noise 4 dB louder
        for (auto& s : f) s = static_cast<int16_t>(475 * unit(rng));
        vad.process(f);
        if (vad.lastEvent() == Vad::Event::Onset) onset = i;
      }
      CAPTURE(rate);
      CAPTURE(k);
      if (k == 0) {
        CHECK(onset == -1);
      } else {
        CHECK(onset == Vad::kOnsetFrames - 1);
      }
    }
  }
}

TEST_CASE("VAD: a background that varies by several dB keeps the fixed thresholds") {
  // Clatter-like: each frame's level is random within 6 dB. The adaptive thresholds must not
  // drop, or every loud frame would become a false onset (a false barge-in).
  for (int rate : {16000, 8000}) {
    Vad vad(VadConfig{.sampleRate = rate});
    std::mt19937 rng(17);
    std::normal_distribution<double> unit(0, 1);
    std::uniform_real_distribution<double> levelDb(0, 6);
    std::vector<int16_t> f(static_cast<size_t>(rate / 50));
    int speechFrames = 0;
    for (int i = 0; i < 500; ++i) {  // 10 s
      const double sigma = 300 * std::pow(10.0, levelDb(rng) / 20);
      for (auto& s : f) s = static_cast<int16_t>(sigma * unit(rng));
      speechFrames += vad.process(f);
    }
    CAPTURE(rate);
    CHECK(speechFrames == 0);
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

TEST_CASE("VAD: a step up in background noise ends speech within the floor window") {
  // A caller's line gets noisier (a recording's own hiss after digital silence, a fan turning
  // on): the floor must follow, so speech may last no longer than the minimum window plus the
  // hangover, and must not come back while the noise stays the same.
  for (int rate : {16000, 8000}) {
    Vad vad(VadConfig{.sampleRate = rate});
    std::mt19937 rng(7);
    std::normal_distribution<double> faint(0, 3);   // ≈ -80 dBFS
    std::normal_distribution<double> loud(0, 180);  // ≈ -45 dBFS
    std::vector<int16_t> f(static_cast<size_t>(rate / 50));
    for (int i = 0; i < 100; ++i) {
      for (auto& s : f) s = static_cast<int16_t>(faint(rng));
      CHECK_FALSE(vad.process(f));
    }
    int lastSpeech = -1;
    const int frames = 250;  // 5 s of the louder background
    for (int i = 0; i < frames; ++i) {
      for (auto& s : f) s = static_cast<int16_t>(loud(rng));
      if (vad.process(f)) lastSpeech = i;
    }
    const int limit = static_cast<int>(Vad::kFloorWindowFrames) + VadConfig{}.hangoverMs / 20 + 5;
    CHECK(lastSpeech < limit);
    CHECK(vad.noiseFloorDb() > -55);
  }
}

TEST_CASE("P.56 active speech level: a tone burst measures at its own RMS level") {
  constexpr int kRate = 16000;
  const double amp = 3000;  // RMS amp/sqrt(2): -26.8 dBov
  const double expected = 20 * std::log10(amp / std::sqrt(2.0) / 32768.0);
  for (int silenceSeconds : {1, 3}) {
    std::vector<float> x(static_cast<size_t>(kRate * (1 + silenceSeconds)), 0.0f);
    for (int i = 0; i < kRate; ++i)
      x[static_cast<size_t>(i)] = static_cast<float>(amp * std::sin(2 * M_PI * 1000.0 * i / kRate));
    const auto level = parley::media::vad::measureActiveSpeechLevel(x, kRate);
    // Active level ignores how much silence surrounds the burst; P.56 counts its 200 ms
    // hangover as active, so a 1 s burst is averaged over 1.2 s (-0.8 dB); the threshold
    // interpolation is good to a few tenths of a dB.
    CHECK(std::fabs(level.activeLevelDbov - (expected - 10 * std::log10(1.2))) < 0.5);
    // Active for the 1 s burst plus the 200 ms hangover.
    CHECK(level.activityFactor == doctest::Approx(1.2 / (1 + silenceSeconds)).epsilon(0.05));
    CHECK(level.thresholdDbov == doctest::Approx(level.activeLevelDbov - 15.9));
  }
  const std::vector<float> zeros(1600, 0.0f);
  CHECK(parley::media::vad::measureActiveSpeechLevel(zeros, kRate).activeLevelDbov == -100);
  CHECK(parley::media::vad::measureActiveSpeechLevel({}, kRate).activityFactor == 0);
}
