#include "dialog/local/stt/SphinxDecoder.hpp"

// clang-format off
#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/feat.h>
#include <sphinxbase/err.h>
#include <sphinxbase/ngram_model.h>
// clang-format on

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "dialog/local/stt/DomainLanguageModel.hpp"
#include "dialog/local/tts/Synthesizer.hpp"
#include "media/Resampler.hpp"

#ifndef PARLEY_POCKETSPHINX_MODELDIR
#define PARLEY_POCKETSPHINX_MODELDIR "/usr/share/pocketsphinx/model"
#endif

namespace parley::dialog::local {
namespace {

/// pocketsphinx's frame rate (-frate default): 100 frames per second.
constexpr double kFramesPerSecond = 100.0;

/// Fillers and markers that are not words ("<sil>", "[NOISE]", "<s>").
bool isFiller(const char* w) {
  return !w || w[0] == '<' || w[0] == '[' || w[0] == '+';
}

/// "word(2)" (an alternate pronunciation) → "word".
std::string baseWord(const char* w) {
  std::string s(w);
  size_t p = s.find('(');
  return p == std::string::npos ? s : s.substr(0, p);
}

}  // namespace

std::string SphinxModel::defaultModelDir() {
  return std::string(PARLEY_POCKETSPHINX_MODELDIR) + "/en-us";
}

struct SphinxDecoder::Impl {
  cmd_ln_t* config = nullptr;
  ps_decoder_t* ps = nullptr;
  std::vector<mfcc_t> primedCmn;  ///< cepstral means after priming, restored for each new stream
  ~Impl() {
    if (ps) ps_free(ps);
    if (config) cmd_ln_free_r(config);
  }
};

SphinxDecoder::SphinxDecoder(const SphinxModel& model) : impl_(std::make_unique<Impl>()) {
  static const bool quiet = [] {
    err_set_logfp(nullptr);  // pocketsphinx logs every init parameter to stderr otherwise
    return true;
  }();
  (void)quiet;
  const std::string hmm = model.modelDir + "/en-us";
  const std::string lm = model.modelDir + "/en-us.lm.bin";
  const std::string dict = model.modelDir + "/cmudict-en-us.dict";
  // With a domain model the generic model is loaded once, into the interpolated set below.
  if (model.domainWeight <= 0)
    impl_->config =
        cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-dict", dict.c_str(), "-lm",
                    lm.c_str(), "-vad_postspeech", "30", "-cmn", "live", nullptr);
  else
    impl_->config = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-dict",
                                dict.c_str(), "-vad_postspeech", "30", "-cmn", "live", nullptr);
  if (!impl_->config) throw std::runtime_error("pocketsphinx: bad configuration for " + hmm);
  impl_->ps = ps_init(impl_->config);
  if (!impl_->ps)
    throw std::runtime_error("pocketsphinx: cannot load models from " + model.modelDir);
  if (model.domainWeight <= 0) return;

  // The domain model over words the dictionary knows, interpolated with the generic model.
  std::vector<std::string> sentences;
  if (model.tenants.empty()) sentences = bookingCorpus(nullptr, model.keywords);
  for (const auto& t : model.tenants) {
    auto s = bookingCorpus(t.get(), model.keywords);
    sentences.insert(sentences.end(), s.begin(), s.end());
  }
  std::set<std::string> vocab;
  for (const auto& s : sentences) {
    std::istringstream in(s);
    for (std::string w; in >> w;) vocab.insert(w);
  }
  std::vector<std::string> known;
  for (const auto& w : vocab) {
    if (char* p = ps_lookup_word(impl_->ps, w.c_str())) {
      known.push_back(w);
      ckd_free(p);
    }
  }
  std::string arpa = buildArpaModel(sentences, known);
  if (arpa.empty()) return;
  static int counter = 0;
  auto path =
      std::filesystem::temp_directory_path() /
      ("parley-domain-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".arpa");
  {
    std::ofstream f(path);
    f << arpa;
  }
  logmath_t* lmath = ps_get_logmath(impl_->ps);
  ngram_model_t* generic = ngram_model_read(impl_->config, lm.c_str(), NGRAM_AUTO, lmath);
  ngram_model_t* domain = ngram_model_read(impl_->config, path.c_str(), NGRAM_ARPA, lmath);
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (!generic || !domain) {
    if (generic) ngram_model_free(generic);
    if (domain) ngram_model_free(domain);
    throw std::runtime_error("pocketsphinx: cannot load the language models");
  }
  ngram_model_t* models[2] = {generic, domain};
  char genericName[] = "generic";
  char domainName[] = "domain";
  char* names[2] = {genericName, domainName};
  const float weights[2] = {1.0f - model.domainWeight, model.domainWeight};
  ngram_model_t* set = ngram_model_set_init(impl_->config, models, names, weights, 2);
  if (!set || ps_set_lm(impl_->ps, "booking", set) < 0 || ps_set_search(impl_->ps, "booking") < 0)
    throw std::runtime_error("pocketsphinx: cannot use the mixed language model");
  ngram_model_free(set);  // the search holds its own reference
  prime();
}

void SphinxDecoder::prime() {
  // Cepstral mean normalisation starts from the model's -cmninit, which is far from telephone
  // and synthetic speech: a fresh decoder garbles its first utterance (measured: "i'd like to
  // book a cleaning next tuesday at two thirty" came out as "i'd like but which"; the same
  // audio decodes word for word from the second utterance on). So a new decoder decodes one
  // spoken sentence first and drops the result; its CMN estimate then carries over.
  auto voice = makeFlite("kal");
  SynthAudio a = voice->synthesize(kPrimingSentence);
  std::vector<int16_t> pcm = a.samples;
  if (a.sampleRate != 16000) {
    media::Resampler r(a.sampleRate, 16000);
    pcm.resize(r.maxOutput(a.samples.size()));
    pcm.resize(r.process(a.samples, pcm));
  }
  start();
  process(pcm);
  finish();
  const cmn_t* cmn = ps_get_feat(impl_->ps)->cmn_struct;
  impl_->primedCmn.assign(cmn->cmn_mean, cmn->cmn_mean + cmn->veclen);
}

void SphinxDecoder::reset() {
  if (running_) {
    ps_end_utt(impl_->ps);
    running_ = false;
  }
  // Live CMN adapts to each caller's channel over a call; the next stream starts from the
  // primed estimate instead of the last caller's (measured: the same call decoded twice on one
  // decoder lost "yes please" → "yeah at played" the second time).
  if (!impl_->primedCmn.empty())
    cmn_live_set(ps_get_feat(impl_->ps)->cmn_struct, impl_->primedCmn.data());
}

SphinxDecoder::~SphinxDecoder() {
  if (running_) ps_end_utt(impl_->ps);
}

void SphinxDecoder::start() {
  if (running_) ps_end_utt(impl_->ps);
  ps_start_utt(impl_->ps);
  running_ = true;
}

void SphinxDecoder::process(std::span<const int16_t> samples) {
  if (!running_ || samples.empty()) return;
  ps_process_raw(impl_->ps, samples.data(), samples.size(), FALSE, FALSE);
}

bool SphinxDecoder::inSpeech() const {
  return running_ && ps_get_in_speech(impl_->ps);
}

SphinxHypothesis SphinxDecoder::partial() const {
  SphinxHypothesis h;
  int32 score = 0;
  if (const char* hyp = ps_get_hyp(impl_->ps, &score)) h.text = hyp;
  return h;
}

SphinxHypothesis SphinxDecoder::finish() {
  SphinxHypothesis h;
  if (!running_) return h;
  ps_end_utt(impl_->ps);
  running_ = false;
  int32 score = 0;
  const char* hyp = ps_get_hyp(impl_->ps, &score);
  if (!hyp) return h;
  logmath_t* lmath = ps_get_logmath(impl_->ps);
  double confSum = 0;
  for (ps_seg_t* seg = ps_seg_iter(impl_->ps); seg; seg = ps_seg_next(seg)) {
    const char* w = ps_seg_word(seg);
    if (isFiller(w)) continue;
    int sf = 0, ef = 0;
    ps_seg_frames(seg, &sf, &ef);
    int32 ascr = 0, lscr = 0, lback = 0;
    int32 post = ps_seg_prob(seg, &ascr, &lscr, &lback);
    double conf = std::min(1.0, std::max(0.0, logmath_exp(lmath, post)));
    h.words.push_back({baseWord(w), sf / kFramesPerSecond, (ef + 1) / kFramesPerSecond, conf});
    confSum += conf;
  }
  for (const auto& w : h.words) h.text += (h.text.empty() ? "" : " ") + w.word;
  h.confidence = h.words.empty() ? 0 : confSum / static_cast<double>(h.words.size());
  return h;
}

SphinxPool::SphinxPool(SphinxModel model, size_t capacity)
    : model_(std::move(model)), capacity_(capacity) {}

SphinxPool::~SphinxPool() = default;

std::unique_ptr<SphinxDecoder> SphinxPool::acquire() {
  if (inUse_ >= capacity_) return nullptr;
  std::unique_ptr<SphinxDecoder> d;
  if (!free_.empty()) {
    d = std::move(free_.back());
    free_.pop_back();
    d->reset();
  } else {
    d = std::make_unique<SphinxDecoder>(model_);
  }
  ++inUse_;
  return d;
}

void SphinxPool::release(std::unique_ptr<SphinxDecoder> decoder) {
  if (!decoder) return;
  --inUse_;
  free_.push_back(std::move(decoder));
}

bool SphinxPool::reserveSlot() {
  if (inUse_ >= capacity_) return false;
  ++inUse_;
  return true;
}

void SphinxPool::releaseSlotOnly() {
  if (inUse_ > 0) --inUse_;
}

void SphinxPool::warm(size_t n) {
  while (free_.size() + inUse_ < std::min(n, capacity_))
    free_.push_back(std::make_unique<SphinxDecoder>(model_));
}

}  // namespace parley::dialog::local
