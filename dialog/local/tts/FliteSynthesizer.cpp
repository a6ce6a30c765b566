// flite (CMU Flite 2.2, Debian flite1-dev) as a Synthesizer. Word times come from the Token
// relation: a token's first word's first segment starts where the previous segment ends, its
// last word's last segment ends at `end` (flite's feature paths, lang/usenglish).
#include <flite/flite.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

#include "dialog/local/tts/Synthesizer.hpp"

extern "C" {
cst_voice* register_cmu_us_slt(const char* voxdir);
cst_voice* register_cmu_us_kal(const char* voxdir);
cst_voice* register_cmu_us_awb(const char* voxdir);
cst_voice* register_cmu_us_rms(const char* voxdir);
}

namespace parley::dialog::local {
std::mutex& fliteMutex() {
  static std::mutex m;
  return m;
}

namespace {

/// Registers each voice once (flite keeps them for the life of the process).
cst_voice* fliteVoice(std::string_view name) {
  std::lock_guard lock(fliteMutex());
  static bool initialised = false;
  if (!initialised) {
    flite_init();
    initialised = true;
  }
  static cst_voice* slt = nullptr;
  static cst_voice* kal = nullptr;
  static cst_voice* awb = nullptr;
  static cst_voice* rms = nullptr;
  if (name == "slt") return slt ? slt : (slt = register_cmu_us_slt(nullptr));
  if (name == "kal") return kal ? kal : (kal = register_cmu_us_kal(nullptr));
  if (name == "awb") return awb ? awb : (awb = register_cmu_us_awb(nullptr));
  if (name == "rms") return rms ? rms : (rms = register_cmu_us_rms(nullptr));
  return nullptr;
}

class FliteSynthesizer final : public Synthesizer {
 public:
  FliteSynthesizer(std::string name, cst_voice* voice) : name_(std::move(name)), voice_(voice) {
    // The native rate: synthesise nothing-much once (a voice's rate never changes).
    rate_ = synthesize(".").sampleRate;
    if (rate_ <= 0) rate_ = 16000;
  }
  SynthAudio synthesize(std::string_view text) override {
    SynthAudio out;
    std::string t(text.substr(0, kMaxSynthChars));
    std::lock_guard lock(fliteMutex());
    cst_utterance* u = flite_synth_text(t.c_str(), voice_);
    if (!u) return out;
    if (cst_wave* w = utt_wave(u)) {
      out.sampleRate = w->sample_rate;
      if (w->num_channels == 1 && w->num_samples > 0)
        out.samples.assign(w->samples, w->samples + w->num_samples);
    }
    size_t cursor = 0;
    for (cst_item* tok = relation_head(utt_relation(u, "Token")); tok; tok = item_next(tok)) {
      const char* name = item_feat_string(tok, "name");
      if (!name || !*name || !item_daughter(tok)) continue;
      size_t at = t.find(name, cursor);
      if (at == std::string::npos) {
        // Case or normalisation differs: search case-insensitively from the cursor.
        std::string lowerText = t, lowerName = name;
        for (auto& c : lowerText)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : lowerName)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        at = lowerText.find(lowerName, cursor);
        if (at == std::string::npos) continue;
      }
      SynthWord wd;
      wd.textOffset = at;
      wd.textLength = std::strlen(name);
      cursor = at + wd.textLength;
      float start =
          ffeature_float(tok, "daughter1.R:SylStructure.daughter1.daughter1.R:Segment.p.end");
      float end = ffeature_float(tok, "daughtern.R:SylStructure.daughtern.daughtern.R:Segment.end");
      wd.startMs = start * 1000.0;
      wd.endMs = std::max(end, start) * 1000.0;
      out.words.push_back(wd);
    }
    delete_utterance(u);
    return out;
  }
  int nativeRate() const override { return rate_; }
  std::string name() const override { return "flite:" + name_; }

 private:
  std::string name_;
  cst_voice* voice_;
  int rate_ = 16000;
};

}  // namespace

bool isFliteVoice(std::string_view voice) {
  return voice == "slt" || voice == "kal" || voice == "awb" || voice == "rms";
}

std::unique_ptr<Synthesizer> makeFlite(std::string_view voice) {
  if (!isFliteVoice(voice))
    throw std::invalid_argument("unknown flite voice '" + std::string(voice) +
                                "' (slt, kal, awb or rms)");
  cst_voice* v = fliteVoice(voice);
  if (!v) throw std::invalid_argument("flite voice '" + std::string(voice) + "' did not load");
  return std::make_unique<FliteSynthesizer>(std::string(voice), v);
}

}  // namespace parley::dialog::local
