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

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "dialog/local/stt/BandDetector.hpp"
#include "dialog/local/stt/DomainLanguageModel.hpp"
#include "dialog/local/stt/Pronunciation.hpp"
#include "dialog/local/tts/Synthesizer.hpp"
#include "media/Resampler.hpp"
#include "media/codec/G711.hpp"

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
  bool detecting = false;     ///< a 16 kHz stream whose band is not known yet
  BandDetector band;          ///< of the stream's audio until the band is known
  std::vector<int16_t> held;  ///< speech held until the band is known (≤ kMaxHeldSamples)
  ~Impl() {
    if (ps) ps_free(ps);
    if (config) cmd_ln_free_r(config);
  }
};

namespace {

/// Speech a 16 kHz stream holds back at most while its band is not known: 1 s. Silence before
/// the first speech is never held (a call starts with seconds of it while the agent greets).
constexpr size_t kMaxHeldSamples = 16000;
/// Weight of a stream's starting cepstral means, in frames (10 ms): the caller's own speech
/// outweighs them after about a second. pocketsphinx's cmn_live_set() gives them 500 frames,
/// so a wrong start (another band, another voice) took several turns to wear off.
constexpr int32 kPriorFrames = 100;

/// Starts live CMN from `means`, weighted as kPriorFrames frames of speech.
void setMeans(ps_decoder_t* ps, const std::vector<mfcc_t>& means, int32 weight = kPriorFrames) {
  cmn_t* cmn = ps_get_feat(ps)->cmn_struct;
  cmn_live_set(cmn, means.data());
  for (int32 i = 0; i < cmn->veclen; ++i)
    cmn->sum[i] = means[static_cast<size_t>(i)] * static_cast<mfcc_t>(weight);
  cmn->nframe = weight;
}

/// The cepstral means of kPrimingSentence spoken by flite's slt voice as heard on a stream of
/// `band`: through an 8 kHz G.711 phone line and back to 16 kHz (8000), or wide band (16000).
/// The same for every decoder of a process (they share the acoustic front end), so computed
/// once per band. Live CMN otherwise starts from the model's -cmninit, far from telephone and
/// synthetic speech: a fresh decoder garbled its first utterance (measured: "i'd like to book a
/// cleaning next tuesday at two thirty" came out as "i'd like but which").
const std::vector<mfcc_t>& primedMeans(ps_decoder_t* ps, int band) {
  static std::mutex mutex;
  static std::map<int, std::vector<mfcc_t>> means;
  std::lock_guard lock(mutex);
  if (auto it = means.find(band); it != means.end()) return it->second;
  auto voice = makeFlite("slt");
  SynthAudio a = voice->synthesize(kPrimingSentence);
  auto convert = [](const std::vector<int16_t>& in, int from, int to) {
    if (from == to) return in;
    media::Resampler r(from, to);
    std::vector<int16_t> out(r.maxOutput(in.size()));
    out.resize(r.process(in, out));
    return out;
  };
  std::vector<int16_t> pcm = a.samples;
  if (band == 8000) {
    pcm = convert(pcm, a.sampleRate, 8000);
    std::vector<uint8_t> law(pcm.size());
    media::g711::encodeUlaw(pcm, law);
    media::g711::decodeUlaw(law, pcm);
    pcm = convert(pcm, 8000, 16000);
  } else {
    pcm = convert(pcm, a.sampleRate, 16000);
  }
  cmn_t* cmn = ps_get_feat(ps)->cmn_struct;
  std::vector<mfcc_t> saved(cmn->cmn_mean, cmn->cmn_mean + cmn->veclen);
  // The sentence's own means, barely mixed with the starting point (weight 1 frame).
  setMeans(ps, saved, 1);
  // Only the front end's means matter here: a one-word keyphrase search decodes the sentence
  // for a fraction of the n-gram search's CPU (measured: a first decoder 6.0 → 1.0 s CPU).
  const char* current = ps_get_search(ps);
  std::string search = current ? current : "";
  if (ps_set_keyphrase(ps, "parley-prime", "hello") < 0 || ps_set_search(ps, "parley-prime") < 0)
    throw std::runtime_error("pocketsphinx: cannot set up the priming search");
  ps_start_utt(ps);
  ps_process_raw(ps, pcm.data(), pcm.size(), FALSE, FALSE);
  ps_end_utt(ps);
  if (!search.empty() && ps_set_search(ps, search.c_str()) < 0)
    throw std::runtime_error("pocketsphinx: cannot restore the search after priming");
  auto& m = means[band];
  m.assign(cmn->cmn_mean, cmn->cmn_mean + cmn->veclen);
  setMeans(ps, saved);
  return m;
}

/// The words of `sentences` the decoder's dictionary can pronounce (the ARPA builder's
/// vocabulary: n-grams over unknown words would only be dropped by pocketsphinx).
std::vector<std::string> knownWords(ps_decoder_t* ps, const std::vector<std::string>& sentences) {
  std::set<std::string> vocab;
  for (const auto& s : sentences)
    for (auto& w : splitWords(s)) vocab.insert(std::move(w));
  std::vector<std::string> known;
  for (const auto& w : vocab) {
    if (char* p = ps_lookup_word(ps, w.c_str())) {
      known.push_back(w);
      ckd_free(p);
    }
  }
  return known;
}

/// One reference to a sphinxbase n-gram model (ngram_model_free drops it).
struct NgramModelFree {
  void operator()(ngram_model_t* m) const { ngram_model_free(m); }
};
using NgramModelPtr = std::unique_ptr<ngram_model_t, NgramModelFree>;

/// Reads an ARPA text through a private temporary file (pocketsphinx 5prealpha reads models
/// from paths only). nullptr when pocketsphinx cannot parse it.
NgramModelPtr readArpa(cmd_ln_t* config, logmath_t* lmath, const std::string& arpa) {
  static std::atomic<int> counter{0};
  auto path = std::filesystem::temp_directory_path() /
              ("parley-lm-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".arpa");
  {
    std::ofstream f(path);
    f << arpa;
    if (!f) throw std::runtime_error("cannot write the language model to " + path.string());
  }
  NgramModelPtr m(ngram_model_read(config, path.c_str(), NGRAM_ARPA, lmath));
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return m;
}

}  // namespace

std::vector<std::string> modelCorpus(const SphinxModel& model) {
  if (model.tenants.empty()) return bookingCorpus(nullptr);
  std::vector<std::string> sentences;
  for (const auto& t : model.tenants) {
    throwIfCancelled(model.stop);
    auto s = bookingCorpus(t.get());
    sentences.insert(sentences.end(), s.begin(), s.end());
  }
  return sentences;
}

SphinxDecoder::SphinxDecoder(const SphinxModel& model, SharedDomainModel* shared)
    : impl_(std::make_unique<Impl>()) {
  throwIfCancelled(model.stop);
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
  if (model.domainWeight <= 0) {
    prime();
    return;
  }
  addKeywordWords(model.keywords);
  throwIfCancelled(model.stop);

  // The domain model over words the dictionary knows, interpolated with the generic model.
  // Pooled decoders share tenants, so one ARPA text serves them all; a stream's keywords get a
  // small model of their own on top (milliseconds to build, where rebuilding the booking model
  // with them took seconds of the STT loop thread while every other stream waited).
  std::string ownArpa;
  if (!shared || shared->arpa.empty()) {
    std::vector<std::string> own;
    if (shared && shared->sentences.empty()) shared->sentences = modelCorpus(model);
    if (!shared) own = modelCorpus(model);
    const auto& sentences = shared ? shared->sentences : own;
    ownArpa = buildArpaModel(sentences, knownWords(impl_->ps, sentences), kNgramOrder, model.stop);
    if (shared) shared->arpa = std::move(ownArpa);
  }
  const std::string& arpa = shared ? shared->arpa : ownArpa;
  std::string keywordArpa;
  if (!model.keywords.empty()) {
    auto sentences = keywordCorpus(model.keywords);
    keywordArpa =
        buildArpaModel(sentences, knownWords(impl_->ps, sentences), kNgramOrder, model.stop);
  }
  throwIfCancelled(model.stop);
  logmath_t* lmath = ps_get_logmath(impl_->ps);
  // Our references to the models; the set retains each one it mixes (sphinxbase
  // ngram_model_set_init), so ours are dropped on leaving here, thrown or not — holding them
  // leaked ≈ 30 MB of n-gram tables with every freed decoder.
  std::vector<NgramModelPtr> models;
  std::vector<float> weights;
  std::vector<std::string> names;
  auto use = [&](NgramModelPtr m, const char* name, double weight) {
    if (!m)
      throw std::runtime_error(std::string("pocketsphinx: cannot load the ") + name +
                               " language model");
    models.push_back(std::move(m));
    names.emplace_back(name);
    weights.push_back(static_cast<float>(weight));
  };
  double kw = keywordArpa.empty() ? 0.0 : keywordModelWeight(model.keywords);
  double domain = arpa.empty() ? 0.0 : model.domainWeight;
  use(NgramModelPtr(ngram_model_read(impl_->config, lm.c_str(), NGRAM_AUTO, lmath)), "generic",
      (1.0 - domain) * (1.0 - kw));
  if (!arpa.empty()) use(readArpa(impl_->config, lmath, arpa), "domain", domain * (1.0 - kw));
  if (!keywordArpa.empty()) use(readArpa(impl_->config, lmath, keywordArpa), "keywords", kw);
  std::vector<ngram_model_t*> raw;
  std::vector<char*> namePtrs;
  for (size_t i = 0; i < models.size(); ++i) {
    raw.push_back(models[i].get());
    namePtrs.push_back(names[i].data());
  }
  ngram_model_t* set = ngram_model_set_init(impl_->config, raw.data(), namePtrs.data(),
                                            weights.data(), static_cast<int32>(raw.size()));
  if (!set) throw std::runtime_error("pocketsphinx: cannot mix the language models");
  if (ps_set_lm(impl_->ps, "booking", set) < 0 || ps_set_search(impl_->ps, "booking") < 0) {
    ngram_model_free(set);
    throw std::runtime_error("pocketsphinx: cannot use the mixed language model");
  }
  ngram_model_free(set);  // the search holds its own reference
  prime();
}

void SphinxDecoder::addKeywordWords(const std::vector<DomainKeyword>& keywords) {
  // pocketsphinx recognises only dictionary words: a keyword's unknown words (a caller's
  // surname) get flite's pronunciation first, so the domain model below can use them.
  std::set<std::string> words;
  for (const auto& k : keywords) {
    for (auto& w : splitWords(spokenWords(k.phrase))) words.insert(std::move(w));
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

void SphinxDecoder::prime() {
  // Both bands now, while the decoder is new (the first decoder of a process computes them).
  primedMeans(impl_->ps, 8000);
  primedMeans(impl_->ps, 16000);
  reset();
}

void SphinxDecoder::reset(int sourceRate) {
  if (running_) {
    ps_end_utt(impl_->ps);
    running_ = false;
  }
  // Live CMN adapts to each caller's channel over a call; each stream starts from the primed
  // estimate of its band instead of the last caller's (measured: the same call decoded twice
  // on one decoder lost "yes please" → "yeah at played" the second time). A 16 kHz stream may
  // carry telephone-band audio (a SIP caller or an 8 kHz voice resampled before it reached
  // us): its first speech is held until BandDetector can tell (see process()).
  setMeans(impl_->ps, primedMeans(impl_->ps, sourceRate == 8000 ? 8000 : 16000));
  impl_->detecting = sourceRate != 8000;
  impl_->band = BandDetector{};
  impl_->held.clear();
}

void SphinxDecoder::decideBand() {
  if (!impl_->detecting) return;
  impl_->detecting = false;
  if (impl_->band.narrow()) setMeans(impl_->ps, primedMeans(impl_->ps, 8000));
  if (!impl_->held.empty() && running_)
    ps_process_raw(impl_->ps, impl_->held.data(), impl_->held.size(), FALSE, FALSE);
  impl_->held.clear();
  impl_->held.shrink_to_fit();
}

SphinxDecoder::~SphinxDecoder() {
  if (running_) ps_end_utt(impl_->ps);
}

void SphinxDecoder::start() {
  if (running_) {
    if (!impl_->held.empty()) decideBand();  // held speech belongs to the utterance it ends
    ps_end_utt(impl_->ps);
  }
  ps_start_utt(impl_->ps);
  running_ = true;
}

void SphinxDecoder::process(std::span<const int16_t> samples) {
  if (!running_ || samples.empty()) return;
  if (impl_->detecting) {
    impl_->band.push(samples);
    if (impl_->held.empty() && impl_->band.speechFrames() == 0) {
      // Silence before the first speech says nothing about the band: decoded at once.
      ps_process_raw(impl_->ps, samples.data(), samples.size(), FALSE, FALSE);
      return;
    }
    impl_->held.insert(impl_->held.end(), samples.begin(), samples.end());
    if (impl_->band.decided() || impl_->held.size() >= kMaxHeldSamples) decideBand();
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
  if (!impl_->held.empty()) decideBand();  // a short utterance: decided on what there is
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
    d = std::make_unique<SphinxDecoder>(model_, &domain_);
    dropCorpusOnceUsed();
  }
  ++inUse_;
  return d;
}

void SphinxPool::release(std::unique_ptr<SphinxDecoder> decoder) {
  if (!decoder) return;
  --inUse_;
  free_.push_back(std::move(decoder));
}

bool SphinxPool::covers(const std::vector<DomainKeyword>& keywords) {
  if (keywords.empty()) return true;
  if (model_.domainWeight <= 0) return false;
  fillVocabulary();
  for (const auto& k : keywords) {
    for (const auto& w : splitWords(spokenWords(k.phrase)))
      if (!vocabulary_.count(w)) return false;
  }
  return true;
}

void SphinxPool::fillVocabulary() {
  if (vocabulary_.empty() && model_.domainWeight > 0) {
    if (domain_.sentences.empty()) domain_.sentences = modelCorpus(model_);
    for (const auto& s : domain_.sentences) {
      for (auto& w : splitWords(s)) vocabulary_.insert(std::move(w));
    }
  }
}

std::unique_ptr<SphinxDecoder> SphinxPool::acquireWithKeywords(
    const std::vector<DomainKeyword>& keywords) {
  if (inUse_ >= capacity_) return nullptr;
  SphinxModel m = model_;
  m.keywords.insert(m.keywords.end(), keywords.begin(), keywords.end());
  auto d = std::make_unique<SphinxDecoder>(m, &domain_);
  dropCorpusOnceUsed();
  ++inUse_;
  return d;
}

void SphinxPool::releaseSlotOnly() {
  if (inUse_ > 0) --inUse_;
}

void SphinxPool::warm(size_t n) {
  if (n > 0) fillVocabulary();  // the first stream with keywords does not build it either
  while (free_.size() + inUse_ < std::min(n, capacity_))
    free_.push_back(std::make_unique<SphinxDecoder>(model_, &domain_));
  dropCorpusOnceUsed();
}

void SphinxPool::dropCorpusOnceUsed() {
  // The vocabulary and the ARPA text are all later decoders need from the corpus.
  if (domain_.arpa.empty() || vocabulary_.empty()) return;
  domain_.sentences.clear();
  domain_.sentences.shrink_to_fit();
}

}  // namespace parley::dialog::local
