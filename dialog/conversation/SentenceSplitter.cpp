#include "dialog/conversation/SentenceSplitter.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace parley::dialog {
namespace {

/// Words that end in a period without ending the sentence (lower case, without the dot).
constexpr std::array<std::string_view, 24> kAbbreviations = {
    "dr", "mr", "mrs", "ms",  "st",  "jr",  "sr",  "prof", "mt", "ave",    "blvd", "rd",
    "no", "vs", "etc", "e.g", "i.e", "a.m", "p.m", "am",   "pm", "approx", "appt", "min"};

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && isSpace(s[b])) ++b;
  while (e > b && isSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

bool SentenceSplitter::isAbbreviationBefore(size_t dotPos) const {
  // The word before the dot: letters and inner dots ("p.m", "e.g").
  size_t b = dotPos;
  while (b > 0 &&
         (std::isalpha(static_cast<unsigned char>(buffer_[b - 1])) || buffer_[b - 1] == '.'))
    --b;
  std::string word;
  for (size_t i = b; i < dotPos; ++i)
    word += static_cast<char>(std::tolower(static_cast<unsigned char>(buffer_[i])));
  if (word.empty()) return false;
  // A single letter is an initial ("J. Smith") or part of "a.m."/"p.m.".
  if (word.size() == 1) return true;
  if (std::find(kAbbreviations.begin(), kAbbreviations.end(), word) == kAbbreviations.end())
    return false;
  // "a.m." / "p.m." end a sentence when a capitalised word follows ("at 3 p.m. See you").
  if (word == "a.m" || word == "p.m" || word == "am" || word == "pm") {
    size_t n = dotPos + 1;
    while (n < buffer_.size() && isSpace(buffer_[n])) ++n;
    if (n < buffer_.size() && std::isupper(static_cast<unsigned char>(buffer_[n]))) return false;
  }
  return true;
}

size_t SentenceSplitter::findBoundary(size_t from) const {
  for (size_t i = from; i < buffer_.size(); ++i) {
    char c = buffer_[i];
    if (c == '\n') return i + 1;
    if (c != '.' && c != '!' && c != '?') {
      // "…" is E2 80 A6 in UTF-8.
      if (static_cast<unsigned char>(c) == 0xA6 && i >= 2 &&
          static_cast<unsigned char>(buffer_[i - 1]) == 0x80 &&
          static_cast<unsigned char>(buffer_[i - 2]) == 0xE2 && i + 1 < buffer_.size() &&
          isSpace(buffer_[i + 1]))
        return i + 1;
      continue;
    }
    // Needs the following character to decide ("2.5", "..." or end of what arrived so far).
    if (i + 1 >= buffer_.size()) return std::string::npos;
    char next = buffer_[i + 1];
    if (next == '.' || next == '!' || next == '?') continue;  // a run: cut after its last mark
    if (next == '"' || next == '\'' || next == ')') {
      if (i + 2 >= buffer_.size()) return std::string::npos;
      if (isSpace(buffer_[i + 2])) return i + 2;
      continue;
    }
    if (!isSpace(next)) continue;  // "2.5", "e.g.x", "2:30"
    if (c == '.' && isAbbreviationBefore(i)) continue;
    return i + 1;
  }
  return std::string::npos;
}

std::vector<std::string> SentenceSplitter::feed(std::string_view delta) {
  buffer_.append(delta);
  std::vector<std::string> out;
  size_t start = 0;
  size_t from = scanFrom_;
  while (true) {
    size_t end = findBoundary(std::max(from, start));
    if (end == std::string::npos) break;
    std::string sentence = trim(std::string_view(buffer_).substr(start, end - start));
    if (sentence.size() < kMinSentenceChars) {
      from = end;  // too short: keep it and look for the next boundary
      continue;
    }
    out.push_back(std::move(sentence));
    start = end;
    from = end;
  }
  // A run-on clause: cut at the last ", " / "; " / ": " within the limit.
  while (buffer_.size() - start > kMaxClauseChars) {
    size_t cut = std::string::npos;
    for (size_t i = start + kMaxClauseChars; i > start + kMinSentenceChars; --i) {
      char c = buffer_[i - 1];
      if ((c == ',' || c == ';' || c == ':') && i < buffer_.size() && isSpace(buffer_[i])) {
        cut = i;
        break;
      }
    }
    if (cut == std::string::npos) {
      // No comma: cut at the last space so TTS still gets whole words.
      for (size_t i = start + kMaxClauseChars; i > start; --i)
        if (isSpace(buffer_[i])) {
          cut = i;
          break;
        }
    }
    if (cut == std::string::npos) break;
    out.push_back(trim(std::string_view(buffer_).substr(start, cut - start)));
    start = cut;
  }
  buffer_.erase(0, start);
  // Re-scan the tail's last character next time (its follower may not have arrived).
  size_t scanned = from > start ? from - start : 0;
  scanFrom_ = std::min(scanned, buffer_.empty() ? 0 : buffer_.size() - 1);
  // Keep a bounded look-back for abbreviations: scanning restarts one char before the end.
  if (!buffer_.empty()) scanFrom_ = std::min(scanFrom_, buffer_.size() - 1);
  return out;
}

std::vector<std::string> SentenceSplitter::flush() {
  std::vector<std::string> out;
  std::string rest = trim(buffer_);
  if (!rest.empty()) out.push_back(std::move(rest));
  buffer_.clear();
  scanFrom_ = 0;
  return out;
}

}  // namespace parley::dialog
