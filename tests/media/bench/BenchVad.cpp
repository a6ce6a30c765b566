// parley_bench_vad: measures media::Vad on a labelled set (run through scripts/bench-vad).
// Usage: parley_bench_vad NOISE.wav SPEECH.wav...
// Builds a timeline of speech clips separated by 1–2.5 s gaps (fixed seed), labels every 20 ms
// frame from the clean signal, mixes background noise at 20 dB and 10 dB SNR (speech-active
// power over mean noise power), runs the VAD at 16 kHz and 8 kHz, and prints JSON.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "media/AudioFrame.hpp"
#include "media/FrameConverter.hpp"
#include "media/Resampler.hpp"
#include "media/Vad.hpp"
#include "media/WavFile.hpp"

using namespace parley::media;

namespace {

constexpr size_t kN = kFrameSamples;
/// Pauses shorter than this inside a clip are still "speaking" (between words), as the
/// turn-taking layer sees it.
constexpr int kBridgeFrames = 15;  // 300 ms

std::vector<int16_t> load16k(const std::string& path) {
  PcmAudio a = WavFile::read(path);
  InboundConverter conv(a.sampleRate, a.channels);
  std::vector<int16_t> out;
  AudioFrame f;
  const size_t block = static_cast<size_t>(a.sampleRate / 10 * a.channels);
  for (size_t off = 0; off < a.samples.size(); off += block) {
    conv.push(
        std::span<const int16_t>(a.samples.data() + off, std::min(block, a.samples.size() - off)));
    while (conv.pop(f)) out.insert(out.end(), f.samples.begin(), f.samples.end());
  }
  return out;
}

double frameDb(const float* x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += double(x[i]) * x[i];
  s /= double(n);
  return s <= 1e-9 ? -100 : 10 * std::log10(s / (32768.0 * 32768.0));
}

struct Metrics {
  double accuracy = 0;
  double onsetMeanMs = 0;
  double onsetP90Ms = 0;
  int onsetsMissed = 0;
  double falseOnsetsPerMin = 0;
  int segments = 0;
  double missRate = 0;   ///< speech frames called silence / all frames
  double falseRate = 0;  ///< silence frames called speech / all frames
};

Metrics evaluate(const std::vector<bool>& truth, const std::vector<bool>& vad) {
  Metrics m;
  size_t correct = 0;
  size_t silentFrames = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    correct += truth[i] == vad[i];
    m.missRate += truth[i] && !vad[i];
    m.falseRate += !truth[i] && vad[i];
    silentFrames += !truth[i];
  }
  m.accuracy = double(correct) / double(truth.size());
  m.missRate /= double(truth.size());
  m.falseRate /= double(truth.size());
  // Onset delay per true segment.
  std::vector<double> delays;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (!truth[i] || (i > 0 && truth[i - 1])) continue;
    ++m.segments;
    size_t end = i;
    while (end < truth.size() && truth[end]) ++end;
    // Already speaking from just before (hangover of a previous segment) counts as 0 delay.
    size_t j = i;
    while (j < end && !vad[j]) ++j;
    if (j == end) {
      ++m.onsetsMissed;
      continue;
    }
    delays.push_back(double(j - i) * kFrameMs);
  }
  if (!delays.empty()) {
    double sum = 0;
    for (double d : delays) sum += d;
    m.onsetMeanMs = sum / double(delays.size());
    std::sort(delays.begin(), delays.end());
    m.onsetP90Ms = delays[delays.size() * 9 / 10];
  }
  // False onsets: VAD speech runs that touch no true speech frame.
  int falseOnsets = 0;
  for (size_t i = 0; i < vad.size(); ++i) {
    if (!vad[i] || (i > 0 && vad[i - 1])) continue;
    bool overlaps = false;
    size_t j = i;
    for (; j < vad.size() && vad[j]; ++j) overlaps = overlaps || truth[j];
    if (!overlaps) ++falseOnsets;
  }
  double silentMin = double(silentFrames) * kFrameMs / 60000.0;
  m.falseOnsetsPerMin = silentMin > 0 ? falseOnsets / silentMin : 0;
  return m;
}

std::vector<bool> runVad(const std::vector<float>& mix, int rate) {
  VadConfig cfg{.sampleRate = rate};
  // Tuning knobs for experiments; the defaults are what ships.
  if (const char* v = std::getenv("VAD_HANGOVER_MS")) cfg.hangoverMs = std::atoi(v);
  if (const char* v = std::getenv("VAD_SNR_DB")) cfg.snrDb = std::atof(v);
  if (const char* v = std::getenv("VAD_VOICED_SNR_DB")) cfg.voicedSnrDb = std::atof(v);
  if (const char* v = std::getenv("VAD_VOICING")) cfg.voicingThreshold = std::atof(v);
  if (const char* v = std::getenv("VAD_SUBBAND_SNR_DB")) cfg.subbandSnrDb = std::atof(v);
  Vad vad(cfg);
  Resampler down(16000, 8000);
  std::vector<bool> out;
  std::array<int16_t, kN> frame{};
  std::array<int16_t, kN> narrow{};
  for (size_t off = 0; off + kN <= mix.size(); off += kN) {
    for (size_t i = 0; i < kN; ++i)
      frame[i] = static_cast<int16_t>(std::clamp(mix[off + i], -32768.0f, 32767.0f));
    if (rate == 16000) {
      out.push_back(vad.process(frame));
    } else {
      size_t n = down.process(frame, narrow);
      out.push_back(vad.process(std::span<const int16_t>(narrow.data(), n)));
    }
  }
  return out;
}

void printMetrics(const char* name, const Metrics& m, bool last) {
  std::printf(
      "    \"%s\": {\"frame_accuracy\": %.4f, \"onset_delay_mean_ms\": %.1f, "
      "\"onset_delay_p90_ms\": %.1f, \"onsets_missed\": %d, \"speech_segments\": %d, "
      "\"false_onsets_per_min\": %.2f, \"missed_speech_frames\": %.4f, "
      "\"false_speech_frames\": %.4f}%s\n",
      name, m.accuracy, m.onsetMeanMs, m.onsetP90Ms, m.onsetsMissed, m.segments,
      m.falseOnsetsPerMin, m.missRate, m.falseRate, last ? "" : ",");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s NOISE.wav SPEECH.wav...\n", argv[0]);
    return 2;
  }
  std::vector<int16_t> dishes = load16k(argv[1]);
  std::vector<std::vector<int16_t>> clips;
  for (int i = 2; i < argc; ++i) clips.push_back(load16k(argv[i]));

  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> gapFrames(50, 125);  // 1.0–2.5 s
  std::vector<float> clean;
  std::vector<bool> truth;
  auto addSilence = [&](int frames) {
    clean.insert(clean.end(), static_cast<size_t>(frames) * kN, 0.0f);
    truth.insert(truth.end(), static_cast<size_t>(frames), false);
  };
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<size_t> order(clips.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t c : order) {
      addSilence(gapFrames(rng));
      const auto& clip = clips[c];
      size_t frames = clip.size() / kN;
      std::vector<float> x(clip.begin(), clip.begin() + static_cast<std::ptrdiff_t>(frames * kN));
      std::vector<double> db(frames);
      double peak = -100;
      for (size_t f = 0; f < frames; ++f) {
        db[f] = frameDb(x.data() + f * kN, kN);
        peak = std::max(peak, db[f]);
      }
      std::vector<bool> act(frames);
      for (size_t f = 0; f < frames; ++f) act[f] = db[f] > std::max(-50.0, peak - 30.0);
      // Bridge short pauses inside the clip.
      int last = -1000;
      for (size_t f = 0; f < frames; ++f) {
        if (!act[f]) continue;
        if (last >= 0 && int(f) - last - 1 > 0 && int(f) - last - 1 < kBridgeFrames)
          for (size_t g = static_cast<size_t>(last + 1); g < f; ++g) act[g] = true;
        last = int(f);
      }
      clean.insert(clean.end(), x.begin(), x.end());
      truth.insert(truth.end(), act.begin(), act.end());
    }
  }
  addSilence(100);

  double speechPower = 0;
  size_t speechFrames = 0;
  for (size_t f = 0; f < truth.size(); ++f) {
    if (!truth[f]) continue;
    for (size_t i = 0; i < kN; ++i) speechPower += double(clean[f * kN + i]) * clean[f * kN + i];
    ++speechFrames;
  }
  speechPower /= double(speechFrames * kN);

  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> white(clean.size());
  for (auto& v : white) v = gauss(rng);
  std::vector<float> kitchen(clean.size());
  for (size_t i = 0; i < kitchen.size(); ++i) kitchen[i] = dishes[i % dishes.size()];
  // A faint floor (-80 dBFS) so the "clean" case is not digital silence.
  std::vector<float> faint(clean.size());
  for (auto& v : faint) v = gauss(rng) * 3.0f;

  auto mixAt = [&](const std::vector<float>& noise, double snrDb) {
    double np = 0;
    for (float v : noise) np += double(v) * v;
    np /= double(noise.size());
    double gain = std::sqrt(speechPower / (np * std::pow(10.0, snrDb / 10)));
    std::vector<float> m(clean.size());
    for (size_t i = 0; i < m.size(); ++i) m[i] = clean[i] + float(gain) * noise[i];
    return m;
  };
  struct Cond {
    const char* name;
    std::vector<float> mix;
  };
  std::vector<Cond> conds;
  conds.push_back({"clean", mixAt(faint, 60)});
  conds.push_back({"kitchen_20db", mixAt(kitchen, 20)});
  conds.push_back({"kitchen_10db", mixAt(kitchen, 10)});
  conds.push_back({"white_20db", mixAt(white, 20)});
  conds.push_back({"white_10db", mixAt(white, 10)});

  std::printf("{\n  \"frames\": %zu,\n  \"seconds\": %.1f,\n  \"speech_fraction\": %.3f,\n",
              truth.size(), double(truth.size()) * kFrameMs / 1000,
              double(speechFrames) / double(truth.size()));
  std::printf("  \"clips\": %zu,\n", clips.size());
  for (int rate : {16000, 8000}) {
    std::printf("  \"vad_%dk\": {\n", rate / 1000);
    for (size_t c = 0; c < conds.size(); ++c) {
      auto vad = runVad(conds[c].mix, rate);
      vad.resize(truth.size(), false);
      printMetrics(conds[c].name, evaluate(truth, vad), c + 1 == conds.size());
    }
    std::printf("  }%s\n", rate == 16000 ? "," : "");
  }
  std::printf("}\n");
  return 0;
}
