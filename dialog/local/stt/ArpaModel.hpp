#pragma once
// Building an n-gram language model from sentences, as pocketsphinx reads it: a trigram ARPA
// text with absolute discounting and back-off (Ney, Essen & Kneser 1994; the ARPA format of the
// CMU-Cambridge toolkit). Also the cancellation a long model load checks (ModelLoadCancelled).
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

namespace parley::dialog::local {

/// Discount subtracted from every seen n-gram count (0.5–0.8 is usual for small corpora).
constexpr double kNgramDiscount = 0.5;
/// Highest n-gram order written (trigrams: "at two thirty", "on thursday at").
constexpr int kNgramOrder = 3;

/// Thrown by the model builders when their stop token fires (a worker told to stop while its
/// speech models load): the load is abandoned and nothing half-built is kept.
struct ModelLoadCancelled : std::runtime_error {
  ModelLoadCancelled() : std::runtime_error("speech model load cancelled") {}
};

/// Throws ModelLoadCancelled when `stop` was requested.
inline void throwIfCancelled(const std::stop_token& stop) {
  if (stop.stop_requested()) throw ModelLoadCancelled();
}

/// `s` split on whitespace: the words of a corpus sentence.
std::vector<std::string> splitWords(const std::string& s);

/// An ARPA-format model of order `order` (1–3) of `sentences` (words split on spaces; <s> and
/// </s> added). Words not in `dictionaryWords` (the decoder's pronouncing dictionary) split a
/// sentence: n-grams never span them. "" when no sentence has a known word. Seconds of work for
/// a large corpus (a few more under ASan): `stop` is checked every few hundred sentences and
/// n-grams, ModelLoadCancelled thrown when it fires.
std::string buildArpaModel(const std::vector<std::string>& sentences,
                           const std::vector<std::string>& dictionaryWords, int order = kNgramOrder,
                           const std::stop_token& stop = {});

}  // namespace parley::dialog::local
