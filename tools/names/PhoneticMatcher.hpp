#pragma once
// Matches names as speech-to-text hears them ("Catherine Lee", "doctor lee", "Dr. Hadad") to the
// names a tenant knows. Each word is encoded with a Double Metaphone-style phonetic key (after
// Lawrence Philips, "The Double Metaphone Search Algorithm", C/C++ Users Journal, June 2000; a
// reduced rule set for English names written here) with a primary and an alternate key; words
// are scored by key equality, then by Levenshtein distance of keys and spellings. Keys of the
// known names are computed once when the tenant loads.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::tools {

/// Phonetic keys longer than this are cut: enough to tell names apart, as in Double Metaphone (4)
/// but longer because staff lists are small and full names are long.
constexpr size_t kMaxPhoneticKey = 6;
/// Words considered per query; bounds work on a rambling transcript.
constexpr size_t kMaxQueryWords = 12;

/// Primary and alternate phonetic key of one word (letters only; others are ignored).
/// "Katherine" → {"K0RN", "KTRN"}, "Catherine" → {"K0RN", "KTRN"}, "Lee" → {"L", "L"}.
std::pair<std::string, std::string> doubleMetaphone(std::string_view word);

/// Levenshtein distance (insert, delete, substitute each cost 1).
size_t editDistance(std::string_view a, std::string_view b);

/// One ranked candidate; score in [0, 1], 1 = exact.
struct NameMatch {
  std::string id;
  std::string name;
  double score = 0;
};

class PhoneticMatcher {
 public:
  /// AllWords: every word said must match (staff names: "Catherine Lee"). AnyWord: the best
  /// single word decides (services: "a teeth cleaning").
  enum class Mode { AllWords, AnyWord };
  explicit PhoneticMatcher(Mode mode = Mode::AllWords) : mode_(mode) {}

  /// Adds a known name. `extraWords` are other words that identify it (a role: "hygienist").
  /// A leading title ("Dr.", "Doctor") is remembered, so "doctor lee" prefers a titled Lee.
  void add(const std::string& id, const std::string& name,
           const std::vector<std::string>& extraWords = {});

  /// Candidates scoring at least `minScore`, best first (ties keep insertion order).
  std::vector<NameMatch> match(std::string_view spoken, double minScore = 0.6) const;

  /// The single confident match: best ≥ 0.75 and at least 0.1 above the runner-up; else empty.
  static std::vector<NameMatch> confident(const std::vector<NameMatch>& ranked);

 private:
  struct Word {
    std::string text;  ///< lower-case letters
    std::string primary;
    std::string alternate;
  };
  struct Entry {
    std::string id;
    std::string name;
    std::vector<Word> words;
    bool titled = false;
  };
  static Word makeWord(std::string text);
  static double wordScore(const Word& q, const Word& n);

  Mode mode_;
  std::vector<Entry> entries_;
};

}  // namespace parley::tools
