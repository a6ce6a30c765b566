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
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "dialog/local/stt/BandDetector.hpp"
#include "dialog/local/stt/DomainLanguageModel.hpp"
#include "dialog/local/stt/Pronunciation.hpp"
#include "dialog/local/tts/Synthesizer.hpp"
#include "media/Resampler.hpp"

#ifndef PARLEY_POCKETSPHINX_MODELDIR
#define PARLEY_POCKETSPHINX_MODELDIR "/usr/share/pocketsphinx/model"
#endif

namespace parley::dialog::local {
namespace {

/// Audio a 16 kHz stream holds back at most while its band is not known: 1.5 s.
constexpr size_t kMaxBandWaitSamples = 24000;
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
  bool detecting = false;        ///< a 16 kHz stream whose band is not known yet
  BandDetector band;             ///< of the audio held in `pending`
  std::vector<int16_t> pending;  ///< audio held until the band is known (≤ kMaxBandWaitSamples)
  ~Impl() {
    if (ps) ps_free(ps);
    if (config) cmd_ln_free_r(config);
  }
};

namespace {

/// Cepstral means after decoding kPrimingSentence as heard at `sourceRate`; the same for every
/// decoder of a process (they share the acoustic front end), so computed once per rate.
/// Cepstral mean normalisation otherwise starts from the model's -cmninit, far from telephone
/// and synthetic speech: a fresh decoder garbled its first utterance (measured: "i'd like to
/// book a cleaning next tuesday at two thirty" came out as "i'd like but which").
const std::vector<mfcc_t>& primedMeans(ps_decoder_t* ps, int sourceRate) {
  static std::mutex mutex;
  static std::map<int, std::vector<mfcc_t>> means;
  std::lock_guard lock(mutex);
  if (auto it = means.find(sourceRate); it != means.end()) return it->second;
  auto voice = makeFlite("slt");
  SynthAudio a = voice->synthesize(kPrimingSentence);
  auto convert = [](const std::vector<int16_t>& in, int from, int to) {
    if (from == to) return in;
    media::Resampler r(from, to);
    std::vector<int16_t> out(r.maxOutput(in.size()));
    out.resize(r.process(in, out));
    return out;
  };
  // Through the same band as the stream's audio: down to its rate, then up to the model's.
  std::vector<int16_t> pcm =
      convert(convert(a.samples, a.sampleRate, sourceRate), sourceRate, 16000);
  // The first decoder of the process computes both rates while fresh (constructor), so the
  // estimate starts from the model's -cmninit; the decoder's own means are put back after.
  cmn_t* cmn = ps_get_feat(ps)->cmn_struct;
  std::vector<mfcc_t> saved(cmn->cmn_mean, cmn->cmn_mean + cmn->veclen);
  ps_start_utt(ps);
  ps_process_raw(ps, pcm.data(), pcm.size(), FALSE, FALSE);
  ps_end_utt(ps);
  auto& m = means[sourceRate];
  m.assign(cmn->cmn_mean, cmn->cmn_mean + cmn->veclen);
  cmn_live_set(cmn, saved.data());
  return m;
}

}  // namespace

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
                    lm.c_str(), "-vad_postspeech", "30", "-cmn", "live", "-beam", kBeam, "-wbeam",
                    kWordBeam, "-pbeam", kPhoneBeam, nullptr);
  else
    impl_->config = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-dict",
                                dict.c_str(), "-vad_postspeech", "30", "-cmn", "live", "-beam",
                                kBeam, "-wbeam", kWordBeam, "-pbeam", kPhoneBeam, nullptr);
  if (!impl_->config) throw std::runtime_error("pocketsphinx: bad configuration for " + hmm);
  impl_->ps = ps_init(impl_->config);
  if (!impl_->ps)
    throw std::runtime_error("pocketsphinx: cannot load models from " + model.modelDir);
  if (model.domainWeight <= 0) {
    primedMeans(impl_->ps, 8000);
    reset();
    return;
  }
  addKeywordWords(model.keywords);

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
  primedMeans(impl_->ps, 8000);
  reset();
}

void SphinxDecoder::addKeywordWords(const std::vector<DomainKeyword>& keywords) {
  // pocketsphinx recognises only dictionary words: a keyword's unknown words (a caller's
  // surname) get flite's pronunciation first, so the domain model below can use them.
  std::set<std::string> words;
  for (const auto& k : keywords) {
    std::istringstream in(spokenWords(k.phrase));
    for (std::string w; in >> w;) words.insert(w);
  }
  for (const auto& w : words) {
    if (char* p = ps_lookup_word(impl_->ps, w.c_str())) {
      ckd_free(p);
      continue;
    }
    std::string phones = pronounce(w);
    if (phones.empty() || ps_add_word(impl_->ps, w.c_str(), phones.c_str(), FALSE) < 0)
      throw std::invalid_argument("keyword '" + w + "' has no pronunciation the model can use");
    added_.push_back(w);
  }
}

void SphinxDecoder::reset(int sourceRate) {
  if (running_) {
    ps_end_utt(impl_->ps);
    running_ = false;
  }
  // Live CMN adapts to each caller's channel over a call; each stream starts from the primed
  // estimate for its band instead of the last caller's (measured: the same call decoded twice
  // on one decoder lost "yes please" → "yeah at played" the second time).
  // A 16 kHz stream may still carry telephone-band audio (an 8 kHz source resampled before it
  // reached us): its first audio is held until BandDetector can tell (see process()).
  const auto& means = primedMeans(impl_->ps, sourceRate == 8000 ? 8000 : 16000);
  cmn_live_set(ps_get_feat(impl_->ps)->cmn_struct, means.data());
  impl_->detecting = sourceRate != 8000;
  impl_->band = BandDetector{};
  impl_->pending.clear();
}

void SphinxDecoder::decideBand() {
  if (!impl_->detecting) return;
  impl_->detecting = false;
  if (impl_->band.narrow())
    cmn_live_set(ps_get_feat(impl_->ps)->cmn_struct, primedMeans(impl_->ps, 8000).data());
  if (!impl_->pending.empty())
    ps_process_raw(impl_->ps, impl_->pending.data(), impl_->pending.size(), FALSE, FALSE);
  impl_->pending.clear();
  impl_->pending.shrink_to_fit();
}

SphinxDecoder::~SphinxDecoder() {
  if (running_) ps_end_utt(impl_->ps);
}

void SphinxDecoder::start() {
  if (running_) ps_end_utt(impl_->ps);
  impl_->pending.clear();
  ps_start_utt(impl_->ps);
  running_ = true;
}

void SphinxDecoder::process(std::span<const int16_t> samples) {
  if (!running_ || samples.empty()) return;
  if (impl_->detecting) {
    impl_->band.push(samples);
    impl_->pending.insert(impl_->pending.end(), samples.begin(), samples.end());
    if (impl_->band.decided() || impl_->pending.size() >= kMaxBandWaitSamples) decideBand();
    return;
  }
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
  if (!impl_->pending.empty()) decideBand();  // a short utterance: decide on what there is
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
