#pragma once
// The booking-domain language model of the local STT (issue 6, DESIGN.md §5): sentences a caller
// says when booking — phrase templates expanded with a tenant's vocabulary (services, staff
// names, days, dates, times, numbers, yes/no, common caller names), and a stream's keywords in
// the contexts such words take; ArpaModel.hpp turns each into an n-gram model. The decoder
// interpolates them with pocketsphinx's generic English model, so booking talk is recognised
// well while other speech still comes through — the local twin of keyword boosting.
#include <string>
#include <vector>

#include "dialog/local/stt/ArpaModel.hpp"
#include "tools/Tenant.hpp"

namespace parley::dialog::local {

/// Corpus sentences kept: the demo tenant's templates × vocabulary make about 27 000; bounds build
/// time.
constexpr size_t kMaxCorpusSentences = 60000;

/// Corpus sentences that put one keyword in context, per unit of boost.
constexpr double kKeywordSentencesPerBoost = 100;
/// Most keyword-context sentences one stream's keyword model gets (100 keywords at boost 10
/// would ask for 100 000, more than the whole booking corpus).
constexpr size_t kMaxKeywordSentences = 4000;
/// Boost of a keyword given without one ("keywords=okonkwo"), and the largest honoured.
constexpr double kDefaultKeywordBoost = 2;
constexpr double kMaxKeywordBoost = 10;
/// Share of the language-model mix given to a stream's keyword model per unit of boost, and its
/// bounds. The keyword model alone gives "okonkwo" after "my name is" a probability near 0.7;
/// at boost 3 (0.06) that is about what 300 keyword sentences in the 27 000-sentence booking
/// corpus gave when keywords were part of it.
constexpr double kKeywordLmWeightPerBoost = 0.02;
constexpr double kMinKeywordLmWeight = 0.005;
constexpr double kMaxKeywordLmWeight = 0.2;

/// A per-stream keyword (Deepgram `keywords=<word>:<boost>`): a word or phrase the stream should
/// expect. Boost 0 only adds it to the vocabulary; each unit weighs its keyword model more
/// (keywordModelWeight) and gives it more sentences among the stream's keywords (keywordCorpus);
/// negative boosts (Deepgram's suppression) are treated as 0.
struct DomainKeyword {
  std::string phrase;
  double boost = kDefaultKeywordBoost;
};

/// `text` as the dictionary spells words: lower case, letters and apostrophes, "dr" → "doctor".
std::string spokenWords(const std::string& text);

/// Lower-case word sequences a caller says when booking with `tenant` (the demo clinic's
/// services when null). Deterministic: the same input gives the same corpus.
std::vector<std::string> bookingCorpus(const tools::Tenant* tenant);

/// Sentences that put each of `keywords` in the contexts such words take ("my name is <k>",
/// "with <k>"): the phrase once plus kKeywordSentencesPerBoost per unit of boost (scaled down so
/// all keywords share at most kMaxKeywordSentences). A stream's keywords get a small model of
/// their own, interpolated with the shared domain model (see keywordModelWeight), so a keyword
/// stream never rebuilds the whole booking model. Deterministic.
std::vector<std::string> keywordCorpus(const std::vector<DomainKeyword>& keywords);

/// Interpolation weight of a stream's keyword model: kKeywordLmWeightPerBoost per unit of total
/// boost, within [kMinKeywordLmWeight, kMaxKeywordLmWeight] (boost 0 still makes the word
/// reachable; many keywords never drown the booking and generic models).
double keywordModelWeight(const std::vector<DomainKeyword>& keywords);

}  // namespace parley::dialog::local
