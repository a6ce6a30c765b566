#pragma once
// Shared by the media benchmarks (parley_bench_media, parley_bench_phone_tts): a CPU-time clock
// and a speech clip as 20 ms 16 kHz frames. Header-only; benchmarks are single files.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/AudioFrame.hpp"
#include "media/FrameConverter.hpp"
#include "media/WavFile.hpp"

namespace parley::media::bench {

/// This thread's CPU time in ns (CLOCK_THREAD_CPUTIME_ID): what the code itself costs, whatever
/// else shares the cores.
inline int64_t threadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// The WAV at `path` (any rate/channels) as 16 kHz mono samples, through the same converter as
/// a call's inbound audio. Throws what WavFile::read throws.
inline std::vector<int16_t> loadSamples16k(const std::string& path) {
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

/// `frames` 20 ms frames of the WAV at `path` (any rate/channels, converted to 16 kHz mono),
/// looped as often as needed. Throws what WavFile::read throws.
inline std::vector<AudioFrame> loadFrames(const std::string& path, size_t frames) {
  const std::vector<int16_t> pcm = loadSamples16k(path);
  std::vector<AudioFrame> clip;
  for (size_t off = 0; off + kFrameSamples <= pcm.size(); off += kFrameSamples) {
    AudioFrame f;
    std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(off), kFrameSamples, f.samples.begin());
    clip.push_back(f);
  }
  std::vector<AudioFrame> out;
  out.reserve(frames);
  for (size_t i = 0; i < frames; ++i) out.push_back(clip[i % clip.size()]);
  return out;
}

/// The command line every speech benchmark takes: SPEECH.wav [SECONDS] (default 60).
struct SpeechArgs {
  std::string wav;
  size_t frames = 0;  ///< 20 ms frames to run: SECONDS × 50 (at least one second)
};

/// Parses argv; prints the usage and returns nullopt when the WAV is missing.
inline std::optional<SpeechArgs> speechArgs(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SPEECH.wav [SECONDS]\n", argv[0]);
    return std::nullopt;
  }
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 60;
  return SpeechArgs{argv[1], static_cast<size_t>(std::max(1, seconds)) * 50};
}

}  // namespace parley::media::bench
