#pragma once
// One pocketsphinx decoder (Debian libpocketsphinx-dev 5prealpha, model pocketsphinx-en-us):
// 16 kHz mono s16 in, hypotheses with word timings out. Its language model is the generic
// English model interpolated with the booking-domain model (DomainLanguageModel.hpp). Creating
// one loads ≈ 40 MB of models and takes about a second, so decoders live in a SphinxPool and are
// reused; one decoder serves one stream at a time. Not thread-safe (one loop thread uses it).
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "dialog/local/stt/DomainLanguageModel.hpp"
#include "tools/Tenant.hpp"

namespace parley::dialog::local {

/// Share of the domain model in the interpolation: measured on flite speech (bench-local-stt),
/// a domain-heavy mix fixes most booking words while generic English still comes through.
constexpr float kDomainLmWeight = 0.7f;
/// Spoken by flite's slt voice once per process and band to estimate the cepstral means a
/// stream starts from (see primedMeans() in SphinxDecoder.cpp).
constexpr const char* kPrimingSentence = "Hello, I would like to book an appointment for Monday.";

struct SphinxModel {
  std::string modelDir;  ///< contains en-us/ (acoustic), en-us.lm.bin, cmudict-en-us.dict
  std::vector<std::shared_ptr<const tools::Tenant>> tenants;  ///< vocabulary of the domain LM
  std::vector<DomainKeyword> keywords;   ///< per-stream phrases; unknown words get a g2p entry
  float domainWeight = kDomainLmWeight;  ///< 0 = generic model only
  /// Cancels a decoder load in progress (ModelLoadCancelled); a worker stopping while it starts
  /// must not wait seconds for a language model it will never use.
  std::stop_token stop;
  /// The Debian model directory (pkg-config --variable=modeldir pocketsphinx)/en-us.
  static std::string defaultModelDir();
};

struct SphinxWord {
  std::string word;
  double startS = 0;  ///< from the start of the utterance
  double endS = 0;
  double confidence = 0;  ///< posterior in [0, 1]
};

struct SphinxHypothesis {
  std::string text;
  std::vector<SphinxWord> words;
  double confidence = 0;
};

/// The booking-domain model of a pool's decoders. They share tenants, so they share
/// the corpus and its ARPA text too, built once (seconds of the STT loop thread per decoder
/// otherwise, while other streams wait). Costs the ARPA text's size (about a megabyte) in memory.
struct SharedDomainModel {
  std::vector<std::string> sentences;  ///< the corpus; empty until first needed
  std::string arpa;                    ///< empty until the first decoder built it
};

/// The model's booking corpus: every tenant's (or the demo clinic's) with the model's keywords.
/// Throws ModelLoadCancelled when model.stop fires between tenants.
std::vector<std::string> modelCorpus(const SphinxModel& model);

class SphinxDecoder {
 public:
  /// Loads the acoustic model, dictionary and language models (about a second; `shared`, when
  /// given, supplies or keeps the domain model's corpus and ARPA text). Throws
  /// std::runtime_error when the models cannot be loaded, ModelLoadCancelled when model.stop
  /// fires first (checked between steps; one pocketsphinx read is not interruptible).
  explicit SphinxDecoder(const SphinxModel& model, SharedDomainModel* shared = nullptr);
  ~SphinxDecoder();
  SphinxDecoder(const SphinxDecoder&) = delete;
  SphinxDecoder& operator=(const SphinxDecoder&) = delete;

  /// Starts an utterance (ends a running one first, dropping its result).
  void start();
  /// Decodes 16 kHz mono s16 samples of the running utterance. On a 16 kHz stream the first
  /// speech (up to 0.3 s of it, at most 1 s of audio) is held until its band is known, then
  /// decoded with the cepstral means of that band; silence before it is decoded at once.
  void process(std::span<const int16_t> samples);
  /// Voice activity as pocketsphinx's VAD sees it.
  bool inSpeech() const;
  /// The best hypothesis so far (no word timings: a partial result).
  SphinxHypothesis partial() const;
  /// Ends the utterance and returns its final hypothesis with word timings.
  SphinxHypothesis finish();
  bool running() const { return running_; }
  /// Words added to the dictionary by letter-to-sound for this decoder's keywords.
  const std::vector<std::string>& addedWords() const { return added_; }
  /// Ends any utterance and restores the cepstral means to the primed estimate, so a pooled
  /// decoder starts each stream as a fresh one would (no state from the previous caller).
  /// `sourceRate` is the stream's sample_rate (8000 or 16000 Hz).
  void reset(int sourceRate = 16000);

 private:
  void prime();
  /// Pronunciations for the keywords' words the dictionary lacks (flite letter-to-sound).
  /// Throws std::invalid_argument when a word gets none the acoustic model can use.
  void addKeywordWords(const std::vector<DomainKeyword>& keywords);
  /// Ends a 16 kHz stream's band detection: telephone band → the 8 kHz means; feeds held audio.
  void decideBand();
  struct Impl;
  std::vector<std::string> added_;
  std::unique_ptr<Impl> impl_;
  bool running_ = false;
};

/// A bounded set of decoders shared by the streams of one server. Loop thread only.
class SphinxPool {
 public:
  SphinxPool(SphinxModel model, size_t capacity);
  ~SphinxPool();
  /// A free decoder (made on first use), or nullptr when `capacity` streams hold one each.
  /// Throws std::runtime_error when a new decoder cannot load its models.
  std::unique_ptr<SphinxDecoder> acquire();
  void release(std::unique_ptr<SphinxDecoder> decoder);
  /// True when every word of `keywords` is in the domain model of the pool's decoders (their
  /// tenants' vocabulary), so a pooled decoder already expects them; true for none.
  bool covers(const std::vector<DomainKeyword>& keywords);
  /// A decoder of its own for a stream with keywords the pool's model lacks: the shared domain
  /// model plus a small keyword model (tens of ms on top of loading the models, not the seconds a
  /// rebuilt booking model took). Counts as one stream (nullptr when full); never pooled, so
  /// its words stay with its stream. Ended with releaseSlotOnly(). Throws what SphinxDecoder's
  /// constructor throws (std::invalid_argument for a keyword with no usable pronunciation).
  std::unique_ptr<SphinxDecoder> acquireWithKeywords(const std::vector<DomainKeyword>& keywords);
  /// Ends an acquireWithKeywords() stream (its decoder is dropped, not pooled).
  void releaseSlotOnly();
  size_t capacity() const { return capacity_; }
  size_t inUse() const { return inUse_; }
  /// Loads `n` decoders now (at server start, so the first call does not wait). Throws what
  /// SphinxDecoder's constructor throws.
  void warm(size_t n);

 private:
  SphinxModel model_;
  size_t capacity_;
  size_t inUse_ = 0;
  std::vector<std::unique_ptr<SphinxDecoder>> free_;
  void fillVocabulary();
  void dropCorpusOnceUsed();
  SharedDomainModel domain_;          ///< of every pooled decoder
  std::set<std::string> vocabulary_;  ///< of the tenants' booking corpus, filled on first use
};

}  // namespace parley::dialog::local
