#pragma once
// Pronunciations for words the pocketsphinx dictionary lacks (a caller's unusual surname passed
// as a per-stream keyword): flite's CMU lexicon, and its letter-to-sound rules for words the
// lexicon lacks too (flite 2.2, lang/cmulex), mapped to the CMU phone set of pocketsphinx's
// en-us acoustic model (stress marks dropped, flite's "ax" → "AH").
#include <string>

namespace parley::dialog::local {

/// Space-separated CMU phones for `word` (lower-case letters and apostrophes), e.g. "okonkwo" →
/// "AH K AA NG K W OW"; "" when the word has no letters. Thread-safe.
std::string pronounce(const std::string& word);

}  // namespace parley::dialog::local
