#include "tools/names/PhoneticMatcher.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace parley::tools {
namespace {

bool isVowel(char c) {
  return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y';
}

const std::set<std::string>& titles() {
  static const std::set<std::string> t{"dr", "doctor", "doc", "mr", "mrs", "ms", "miss", "mister"};
  return t;
}
const std::set<std::string>& fillers() {
  static const std::set<std::string> f{
      "the",         "a",   "an",   "with",  "and",   "or",     "to",   "see",   "please",
      "um",          "uh",  "for",  "my",    "i",     "want",   "like", "would", "is",
      "appointment", "one", "just", "teeth", "tooth", "dental", "get",  "some",  "of",
      "in",          "on",  "at",   "can",   "you",   "book",   "me"};
  return f;
}

std::vector<std::string> splitWords(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '\'') {
      if (c != '\'') cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

std::pair<std::string, std::string> doubleMetaphone(std::string_view word) {
  std::string w;
  for (char c : word)
    if (std::isalpha(static_cast<unsigned char>(c)))
      w += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string p, a;  // primary, alternate
  auto at = [&](size_t i) -> char { return i < w.size() ? w[i] : '\0'; };
  auto add = [&](const char* pc, const char* ac) {
    p += pc;
    a += ac;
  };
  size_t i = 0;
  // Silent first letters: GN, KN, PN, WR, PS; initial X sounds like S; WH like W.
  if (w.size() >= 2) {
    std::string two = w.substr(0, 2);
    if (two == "GN" || two == "KN" || two == "PN" || two == "WR" || two == "PS") i = 1;
  }
  if (at(0) == 'X') {
    add("S", "S");
    i = 1;
  }
  for (; i < w.size() && (p.size() < kMaxPhoneticKey || a.size() < kMaxPhoneticKey); ++i) {
    char c = w[i];
    if (c != 'C' && i > 0 && c == w[i - 1]) continue;  // double letters sound once
    switch (c) {
      case 'A':
      case 'E':
      case 'I':
      case 'O':
      case 'U':
      case 'Y':
        if (i == 0)
          add("A", "A");
        else if (c == 'Y' && isVowel(at(i + 1)) && !isVowel(at(i - 1)))
          add("Y", "Y");
        break;
      case 'B':
        if (!(i + 1 == w.size() && i > 0 && w[i - 1] == 'M')) add("P", "P");
        break;
      case 'C':
        if (at(i + 1) == 'H') {
          if (i == 0 && (at(i + 2) == 'R' || at(i + 2) == 'L' || !isVowel(at(i + 2))))
            add("K", "K");
          else
            add("X", "K");  // church / character
          ++i;
        } else if (at(i + 1) == 'I' || at(i + 1) == 'E' || at(i + 1) == 'Y') {
          add("S", "S");
        } else if (at(i + 1) == 'K' || at(i + 1) == 'Q' || at(i + 1) == 'C') {
          add("K", "K");
          ++i;
        } else
          add("K", "K");
        break;
      case 'D':
        if (at(i + 1) == 'G' && (at(i + 2) == 'E' || at(i + 2) == 'I' || at(i + 2) == 'Y')) {
          add("J", "J");
          i += 2;
        } else
          add("T", "T");
        break;
      case 'F':
      case 'V':
        add("F", "F");
        break;
      case 'G':
        if (at(i + 1) == 'H') {
          if (i == 0)
            add("K", "K");  // Ghislaine
          else if (!isVowel(at(i + 2))) {
          }  // Leigh, Wright: silent
          else
            add("K", "K");
          ++i;
        } else if (at(i + 1) == 'N' && i + 2 == w.size()) {
          // silent: Sign
        } else if (at(i + 1) == 'E' || at(i + 1) == 'I' || at(i + 1) == 'Y') {
          add("J", "K");  // George / Gerald vs Gibson
        } else
          add("K", "K");
        break;
      case 'H':
        if ((i == 0 || isVowel(at(i - 1))) && isVowel(at(i + 1))) add("H", "H");
        break;
      case 'J':
        add("J", "H");
        break;  // John / José
      case 'K':
        add("K", "K");
        break;
      case 'L':
        add("L", "L");
        break;
      case 'M':
        add("M", "M");
        break;
      case 'N':
        add("N", "N");
        break;
      case 'P':
        if (at(i + 1) == 'H') {
          add("F", "F");
          ++i;
        } else
          add("P", "P");
        break;
      case 'Q':
        add("K", "K");
        break;
      case 'R':
        add("R", "R");
        break;
      case 'S':
        if (at(i + 1) == 'H') {
          add("X", "X");
          ++i;
        } else if (at(i + 1) == 'C' && at(i + 2) == 'H') {
          add("SK", "X");  // Schmidt / Schneider
          i += 2;
        } else if (at(i + 1) == 'I' && (at(i + 2) == 'O' || at(i + 2) == 'A')) {
          add("X", "S");
        } else
          add("S", "S");
        break;
      case 'T':
        if (at(i + 1) == 'I' && (at(i + 2) == 'O' || at(i + 2) == 'A'))
          add("X", "X");
        else if (at(i + 1) == 'H') {
          add("0", "T");  // Katherine → K0RN, alternate KTRN (Thomas)
          ++i;
        } else if (at(i + 1) == 'C' && at(i + 2) == 'H') {
          // the T of "tch" is silent
        } else
          add("T", "T");
        break;
      case 'W':
        if (isVowel(at(i + 1))) add("W", i == 0 ? "F" : "W");  // Wagner as German "V"
        break;
      case 'X':
        add("KS", "KS");
        break;
      case 'Z':
        add("S", "TS");
        break;
      default:
        break;
    }
  }
  auto collapse = [](std::string s) {
    std::string out;
    for (char c : s)
      if (out.empty() || out.back() != c) out += c;
    if (out.size() > kMaxPhoneticKey) out.resize(kMaxPhoneticKey);
    return out;
  };
  return {collapse(p), collapse(a)};
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

PhoneticMatcher::Word PhoneticMatcher::makeWord(std::string text) {
  auto [p, a] = doubleMetaphone(text);
  return Word{std::move(text), std::move(p), std::move(a)};
}

double PhoneticMatcher::wordScore(const Word& q, const Word& n) {
  if (q.text == n.text) return 1.0;
  auto ratio = [](std::string_view x, std::string_view y) {
    size_t len = std::max(x.size(), y.size());
    return len == 0 ? 0.0
                    : 1.0 - static_cast<double>(editDistance(x, y)) / static_cast<double>(len);
  };
  bool keyEqual = !q.primary.empty() && (q.primary == n.primary || q.primary == n.alternate ||
                                         q.alternate == n.primary || q.alternate == n.alternate);
  // Same sound: near-certain, a little below the exact spelling. A one-letter key ("Lee") is
  // shared by many words, so the spelling weighs in too.
  if (keyEqual && q.primary.size() >= 2) return 0.9;
  if (keyEqual) return 0.6 + 0.3 * ratio(q.text, n.text);  // "Leigh" / "Lee": 0.72
  double keys = std::max(ratio(q.primary, n.primary), ratio(q.alternate, n.alternate));
  return std::max(0.8 * keys * ratio(q.text, n.text) + 0.1 * keys, 0.85 * ratio(q.text, n.text));
}

void PhoneticMatcher::add(const std::string& id, const std::string& name,
                          const std::vector<std::string>& extraWords) {
  Entry e{id, name, {}, false};
  for (auto& w : splitWords(name)) {
    if (titles().count(w) != 0) {
      e.titled = true;
      continue;
    }
    e.words.push_back(makeWord(w));
  }
  for (const auto& extra : extraWords)
    for (auto& w : splitWords(extra)) e.words.push_back(makeWord(w));
  entries_.push_back(std::move(e));
}

std::vector<NameMatch> PhoneticMatcher::match(std::string_view spoken, double minScore) const {
  constexpr size_t kMaxSpokenChars = 256;  // a name, not a paragraph
  std::vector<NameMatch> out;
  if (spoken.size() > kMaxSpokenChars) spoken = spoken.substr(0, kMaxSpokenChars);
  bool wantsTitle = false;
  std::vector<Word> query;
  for (auto& w : splitWords(spoken)) {
    if (titles().count(w) != 0) {
      wantsTitle = true;
      continue;
    }
    if (fillers().count(w) != 0) continue;
    if (query.size() < kMaxQueryWords) query.push_back(makeWord(w));
  }
  if (query.empty()) return out;
  for (const auto& e : entries_) {
    double total = 0, best = 0;
    for (const auto& q : query) {
      double b = 0;
      for (const auto& n : e.words) b = std::max(b, wordScore(q, n));
      total += b;
      best = std::max(best, b);
    }
    double score = mode_ == Mode::AllWords ? total / static_cast<double>(query.size()) : best;
    if (wantsTitle) score = e.titled ? std::min(1.0, score + 0.02) : score - 0.15;
    if (score >= minScore) out.push_back({e.id, e.name, score});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const NameMatch& a, const NameMatch& b) { return a.score > b.score; });
  return out;
}

std::vector<NameMatch> PhoneticMatcher::confident(const std::vector<NameMatch>& ranked) {
  if (ranked.empty() || ranked[0].score < 0.75) return {};
  if (ranked.size() > 1 && ranked[1].score > ranked[0].score - 0.1) return {};
  return {ranked[0]};
}

}  // namespace parley::tools
