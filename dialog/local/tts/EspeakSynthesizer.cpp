// espeak-ng (Debian libespeak-ng-dev 1.51) as a Synthesizer: synchronous output into a buffer,
// word times from espeakEVENT_WORD events (audio_position ms, text_position 1-based characters).
// espeak-ng is one global engine: one mutex guards initialise, voice choice and synthesis.
#include <espeak-ng/speak_lib.h>

#include <mutex>
#include <stdexcept>

#include "dialog/local/tts/Synthesizer.hpp"

namespace parley::dialog::local {
namespace {

std::mutex& espeakMutex() {
  static std::mutex m;
  return m;
}

struct Collect {
  std::vector<int16_t>* samples;
  std::vector<std::pair<int, int>>* words;  ///< (text position 1-based chars, audio ms)
  std::vector<int>* lengths;
};

int onSynth(short* wav, int n, espeak_EVENT* events) {
  if (!events) return 0;
  auto* c = static_cast<Collect*>(events->user_data);
  if (!c) return 0;
  if (wav && n > 0) c->samples->insert(c->samples->end(), wav, wav + n);
  for (espeak_EVENT* e = events; e->type != espeakEVENT_LIST_TERMINATED; ++e)
    if (e->type == espeakEVENT_WORD) {
      c->words->emplace_back(e->text_position, e->audio_position);
      c->lengths->push_back(e->length);
    }
  return 0;
}

int espeakRate() {
  static int rate = [] {
    int r = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, 0);
    if (r > 0) espeak_SetSynthCallback(&onSynth);
    return r;
  }();
  return rate;
}

/// Byte offset of the `chars`-th UTF-8 code point (0-based) of `s`.
size_t byteOffset(const std::string& s, size_t chars) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size() && seen < chars; ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++seen;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

class EspeakSynthesizer final : public Synthesizer {
 public:
  EspeakSynthesizer(std::string language, int rate) : language_(std::move(language)), rate_(rate) {}
  SynthAudio synthesize(std::string_view text) override {
    SynthAudio out;
    out.sampleRate = rate_;
    std::string t(text.substr(0, kMaxSynthChars));
    std::vector<std::pair<int, int>> words;
    std::vector<int> lengths;
    Collect c{&out.samples, &words, &lengths};
    std::lock_guard lock(espeakMutex());
    if (espeak_SetVoiceByName(language_.c_str()) != EE_OK) return out;
    espeak_Synth(t.c_str(), t.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, &c);
    for (size_t i = 0; i < words.size(); ++i) {
      SynthWord w;
      w.textOffset = byteOffset(t, static_cast<size_t>(std::max(0, words[i].first - 1)));
      size_t endByte =
          byteOffset(t, static_cast<size_t>(std::max(0, words[i].first - 1 + lengths[i])));
      w.textLength = endByte > w.textOffset ? endByte - w.textOffset : 0;
      w.startMs = words[i].second;
      w.endMs = i + 1 < words.size() ? words[i + 1].second
                                     : 1000.0 * static_cast<double>(out.samples.size()) / rate_;
      out.words.push_back(w);
    }
    return out;
  }
  int nativeRate() const override { return rate_; }
  std::string name() const override { return "espeak-ng:" + language_; }

 private:
  std::string language_;
  int rate_;
};

}  // namespace

std::unique_ptr<Synthesizer> makeEspeak(std::string_view language) {
  std::lock_guard lock(espeakMutex());
  int rate = espeakRate();
  if (rate <= 0) throw std::runtime_error("espeak-ng did not start (is espeak-ng-data installed?)");
  std::string lang(language.empty() ? "en" : language);
  if (espeak_SetVoiceByName(lang.c_str()) != EE_OK)
    throw std::runtime_error("espeak-ng has no voice '" + lang + "'");
  return std::make_unique<EspeakSynthesizer>(lang, rate);
}

}  // namespace parley::dialog::local
