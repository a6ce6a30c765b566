#pragma once
// The booking-domain language model of the local STT (issue 6, DESIGN.md §5): sentences built
// from a tenant's vocabulary (services, staff names, days, dates, times, numbers, yes/no, booking
// phrases) and any per-stream keywords, turned into a bigram ARPA model with absolute discounting
// and back-off (Ney, Essen & Kneser 1994; the ARPA format of the CMU-Cambridge toolkit). The
// decoder interpolates it with pocketsphinx's generic English model, so booking talk is
// recognised well while other speech still comes through — the local twin of keyword boosting.
#include <string>
#include <vector>

#include "tools/Tenant.hpp"

namespace parley::dialog::local {

/// Discount subtracted from every seen bigram count (0.5–0.8 is usual for small corpora).
constexpr double kBigramDiscount = 0.5;
/// Corpus sentences kept: the templates × vocabulary make a few thousand; bounds build time.
constexpr size_t kMaxCorpusSentences = 20000;

/// Lower-case word sequences a caller says when booking with `tenant` (plus `keywords`).
std::vector<std::string> bookingCorpus(const tools::Tenant* tenant,
                                       const std::vector<std::string>& keywords = {});

/// An ARPA-format bigram model of `sentences` (words split on spaces; <s> and </s> added).
/// Only words in `dictionaryWords` (the decoder's pronouncing dictionary) are kept; "" when no
/// sentence has a known word.
std::string buildArpaModel(const std::vector<std::string>& sentences,
                           const std::vector<std::string>& dictionaryWords);

}  // namespace parley::dialog::local
