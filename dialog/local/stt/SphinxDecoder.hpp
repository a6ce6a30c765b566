#pragma once
// One pocketsphinx decoder (Debian libpocketsphinx-dev 5prealpha, model pocketsphinx-en-us):
// 16 kHz mono s16 in, hypotheses with word timings out. Its language model is the generic
// English model interpolated with the booking-domain model (DomainLanguageModel.hpp). Creating
// one loads ≈ 40 MB of models and takes about a second, so decoders live in a SphinxPool and are
// reused; one decoder serves one stream at a time. Not thread-safe (one loop thread uses it).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dialog/local/stt/DomainLanguageModel.hpp"
#include "tools/Tenant.hpp"

namespace parley::dialog::local {

/// Share of the domain model in the interpolation: measured on flite speech (bench-local-stt),
/// 0.7 → 0.85 took booking lines from 10.6 % to 9.6 % WER at the same human-speech WER; 0.95
/// gained little more and starts to force booking words onto other speech.
constexpr float kDomainLmWeight = 0.85f;
/// Search beams (pocketsphinx -beam, -wbeam, -pbeam; defaults 1e-48, 7e-29, 1e-48). Wider
/// beams keep the domain model's paths alive through poorly matched audio (8 kHz callers):
/// booking WER 9.6 % → 7.8 % for about 1.4 × the CPU; 1e-80 gained nothing more.
constexpr const char* kBeam = "1e-60";
constexpr const char* kWordBeam = "1e-40";
constexpr const char* kPhoneBeam = "1e-60";
/// Decoded once per process, as heard at each input rate, to estimate the cepstral mean a
/// stream starts from (see SphinxDecoder::reset). Spoken by the agent's voice (slt), not by
/// any caller voice of the tests.
constexpr const char* kPrimingSentence = "Hello, I would like to book an appointment for Monday.";

struct SphinxModel {
  std::string modelDir;  ///< contains en-us/ (acoustic), en-us.lm.bin, cmudict-en-us.dict
  std::vector<std::shared_ptr<const tools::Tenant>> tenants;  ///< vocabulary of the domain LM
  std::vector<DomainKeyword> keywords;   ///< per-stream phrases; unknown words get a g2p entry
  float domainWeight = kDomainLmWeight;  ///< 0 = generic model only
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

class SphinxDecoder {
 public:
  /// Throws std::runtime_error when the models cannot be loaded.
  explicit SphinxDecoder(const SphinxModel& model);
  ~SphinxDecoder();
  SphinxDecoder(const SphinxDecoder&) = delete;
  SphinxDecoder& operator=(const SphinxDecoder&) = delete;

  /// Starts an utterance (ends a running one first, dropping its result).
  void start();
  /// Decodes 16 kHz mono s16 samples of the running utterance (held back while the band of a
  /// 16 kHz stream is being detected, see reset()).
  void process(std::span<const int16_t> samples);
  /// Voice activity as pocketsphinx's VAD sees it.
  bool inSpeech() const;
  /// The best hypothesis so far (no word timings: a partial result).
  SphinxHypothesis partial() const;
  /// Ends the utterance and returns its final hypothesis with word timings.
  SphinxHypothesis finish();
  bool running() const { return running_; }
  /// Ends any utterance and restores the cepstral means to the primed estimate for audio that
  /// arrives at `sourceRate` Hz (8000: telephone band, resampled to 16 kHz; else wide band), so
  /// a pooled decoder starts each stream as a fresh one would, with no state from the previous
  /// caller. Measured: flite kal (8 kHz) booking lines at 57 % WER with a wide-band start
  /// (after an awb/rms line) vs 17 % with the telephone-band estimate, and awb/rms at 20–30 %
  /// with the telephone-band one. At 16000 the band is detected from the first 0.3 s of speech
  /// (BandDetector; decoding waits for it, at most 1.5 s of audio).
  void reset(int sourceRate = 16000);
  /// Words added to the dictionary by letter-to-sound for this decoder's keywords.
  const std::vector<std::string>& addedWords() const { return added_; }

 private:
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
  /// Counts one stream that brings its own decoder (per-stream keywords); false when full.
  bool reserveSlot();
  /// Ends a reserveSlot() stream.
  void releaseSlotOnly();
  size_t capacity() const { return capacity_; }
  size_t inUse() const { return inUse_; }
  /// Loads `n` decoders now (at server start, so the first call does not wait).
  void warm(size_t n);

 private:
  SphinxModel model_;
  size_t capacity_;
  size_t inUse_ = 0;
  std::vector<std::unique_ptr<SphinxDecoder>> free_;
};

}  // namespace parley::dialog::local
