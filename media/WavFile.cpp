#include "media/WavFile.hpp"

#include <sndfile.h>

#include "core/Error.hpp"

namespace parley::media {

PcmAudio WavFile::read(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) throw core::Error("wav: cannot open " + path + ": " + sf_strerror(nullptr));
  if (info.frames > kMaxFrames || info.channels < 1 || info.channels > 8) {
    sf_close(f);
    throw core::Error("wav: " + path + " is too long or has an unsupported channel count");
  }
  PcmAudio out;
  out.sampleRate = info.samplerate;
  out.channels = info.channels;
  out.samples.resize(static_cast<size_t>(info.frames) * static_cast<size_t>(info.channels));
  sf_count_t got = sf_readf_short(f, out.samples.data(), info.frames);
  sf_close(f);
  out.samples.resize(static_cast<size_t>(got) * static_cast<size_t>(info.channels));
  return out;
}

void WavFile::write(const std::string& path, int sampleRate, int channels,
                    std::span<const int16_t> interleaved) {
  SF_INFO info{};
  info.samplerate = sampleRate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw core::Error("wav: cannot create " + path + ": " + sf_strerror(nullptr));
  sf_count_t frames = static_cast<sf_count_t>(interleaved.size() / static_cast<size_t>(channels));
  sf_count_t put = sf_writef_short(f, interleaved.data(), frames);
  sf_close(f);
  if (put != frames) throw core::Error("wav: short write to " + path);
}

}  // namespace parley::media
