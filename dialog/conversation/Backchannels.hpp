#pragma once
// Tells listening noises ("mm-hm", "yeah", "okay") from words that take the floor (issue 7
// "Barge-in"). Comparison is case-insensitive on words stripped of punctuation; multi-word
// backchannels ("got it", "i see") are matched as phrases.
#include <string>
#include <string_view>
#include <vector>

namespace parley::dialog {

class Backchannels {
 public:
  explicit Backchannels(const std::vector<std::string>& phrases);
  /// Words of `text` that are not part of a backchannel phrase.
  int substantiveWords(std::string_view text) const;
  /// True when `text` has words and every one is a backchannel.
  bool isOnlyBackchannel(std::string_view text) const;
  /// Lower-case words without punctuation (apostrophes and inner hyphens kept).
  static std::vector<std::string> words(std::string_view text);

 private:
  std::vector<std::vector<std::string>> phrases_;  ///< each as words, longest first
};

}  // namespace parley::dialog
