#pragma once
// WAV read/write through libsndfile (DESIGN.md §4). Whole-file, control-path operations (a call
// leg loads its input before the call and writes its recording after): never call per frame on a
// loop thread.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace parley::media {

/// Interleaved s16 PCM with its shape.
struct PcmAudio {
  int sampleRate = 0;  ///< Hz
  int channels = 0;
  std::vector<int16_t> samples;  ///< interleaved, samples.size() = frames × channels
  size_t frames() const { return channels ? samples.size() / static_cast<size_t>(channels) : 0; }
  double seconds() const { return sampleRate ? double(frames()) / sampleRate : 0.0; }
};

class WavFile {
 public:
  /// Longest file read: 1 hour at 48 kHz stereo (≈ 660 MB). Bounds memory on a bad path.
  static constexpr int64_t kMaxFrames = int64_t{48000} * 3600;

  /// Reads any format libsndfile knows (WAV of any rate/channels/sample format) as s16.
  /// Throws core::Error naming the file and libsndfile's reason.
  static PcmAudio read(const std::string& path);
  /// Writes 16-bit PCM WAV. Throws core::Error on failure.
  static void write(const std::string& path, int sampleRate, int channels,
                    std::span<const int16_t> interleaved);
  static void write(const std::string& path, const PcmAudio& audio) {
    write(path, audio.sampleRate, audio.channels, audio.samples);
  }
};

}  // namespace parley::media
