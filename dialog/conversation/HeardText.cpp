#include "dialog/conversation/HeardText.hpp"

#include <algorithm>
#include <sstream>

namespace parley::dialog {
namespace {

std::vector<std::string> splitWords(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

void append(std::string& out, const std::string& piece) {
  if (piece.empty()) return;
  if (!out.empty()) out += ' ';
  out += piece;
}

}  // namespace

void HeardText::beginSegment(double startMs) {
  segments_.push_back({startMs, 0, {}, {}});
}

void HeardText::addText(const std::string& text) {
  if (segments_.empty()) beginSegment(0);
  append(segments_.back().text, text);
}

void HeardText::addWords(const std::vector<TtsWordTiming>& words) {
  if (segments_.empty()) beginSegment(0);
  auto& w = segments_.back().words;
  w.insert(w.end(), words.begin(), words.end());
}

void HeardText::setSegmentAudioMs(double ms) {
  if (segments_.empty()) beginSegment(0);
  segments_.back().audioMs = ms;
}

std::string HeardText::heardAt(double playedMs) const {
  std::string out;
  for (const auto& s : segments_) {
    if (playedMs <= s.startMs) break;
    double into = playedMs - s.startMs;
    auto textWords = splitWords(s.text);
    size_t heard = 0;
    if (!s.words.empty()) {
      // Count timed words that started; map onto the pushed text's words (punctuation kept).
      for (const auto& w : s.words)
        if (w.startMs < into) ++heard;
      // Timings arrive only for delivered audio; if everything delivered was played and text
      // remains, the rest was not heard.
    } else if (s.audioMs > 0) {
      double frac = into >= s.audioMs ? 1.0 : into / s.audioMs;
      heard = static_cast<size_t>(frac * static_cast<double>(textWords.size()) + 0.5);
    }
    heard = std::min(heard, textWords.size());
    for (size_t i = 0; i < heard; ++i) append(out, textWords[i]);
    if (heard < textWords.size()) break;
  }
  return out;
}

std::string HeardText::fullText() const {
  std::string out;
  for (const auto& s : segments_) append(out, s.text);
  return out;
}

}  // namespace parley::dialog
