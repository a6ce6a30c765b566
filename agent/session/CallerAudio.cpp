#include "agent/session/CallerAudio.hpp"

#include <stdexcept>

#include "core/Error.hpp"
#include "dialog/local/tts/Synthesizer.hpp"
#include "media/AudioFrame.hpp"
#include "media/Resampler.hpp"
#include "media/WavFile.hpp"

namespace parley::agent {

std::vector<int16_t> toInternalRate(const std::vector<int16_t>& in, int rate, int channels) {
  std::vector<int16_t> mono;
  if (channels == 2) {
    mono.resize(in.size() / 2);
    media::downmixStereo(in, mono);
  } else if (channels == 1) {
    mono = in;
  } else {
    throw core::Error("caller audio: only mono or stereo is supported");
  }
  if (rate == media::kInternalRate) return mono;
  media::Resampler rs(rate, media::kInternalRate);
  std::vector<int16_t> out(rs.maxOutput(mono.size()));
  out.resize(rs.process(mono, out));
  return out;
}

std::vector<CallerTurnAudio> renderCallerAudio(const CallerScript& script) {
  std::vector<CallerTurnAudio> out;
  for (const auto& t : script.turns) {
    CallerTurnAudio a;
    a.at = t.at;
    a.delayS = t.delayS;
    switch (t.kind) {
      case CallerTurn::Kind::Say: {
        std::unique_ptr<dialog::local::Synthesizer> voice;
        try {
          voice = dialog::local::makeFlite(t.voice);
        } catch (const std::invalid_argument& e) {
          throw core::UsageError("caller script: unknown flite voice '" + t.voice + "'");
        }
        auto s = voice->synthesize(t.text);
        a.samples = toInternalRate(s.samples, s.sampleRate, 1);
        a.label = t.text;
        break;
      }
      case CallerTurn::Kind::Wav: {
        auto pcm = media::WavFile::read(t.wavPath);
        a.samples = toInternalRate(pcm.samples, pcm.sampleRate, pcm.channels);
        a.label = t.wavPath;
        break;
      }
      case CallerTurn::Kind::Silence:
        a.samples.assign(static_cast<size_t>(t.seconds * media::kInternalRate), 0);
        a.label = "(silence)";
        break;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace parley::agent
