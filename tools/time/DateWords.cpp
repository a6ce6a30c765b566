#include "tools/time/DateWords.hpp"

#include <array>
#include <cctype>

#include "tools/time/DatePhraseParser.hpp"  // kMaxDatePhraseChars

namespace parley::tools::date_words {
namespace {

constexpr size_t kMaxTokens = 40;  // a date phrase is a few words; bounds the scan

}  // namespace

const std::map<std::string, int, std::less<>>& numberWords() {
  static const std::map<std::string, int, std::less<>> m{
      {"zero", 0},       {"oh", 0},        {"one", 1},       {"a", 1},        {"an", 1},
      {"two", 2},        {"three", 3},     {"four", 4},      {"five", 5},     {"six", 6},
      {"seven", 7},      {"eight", 8},     {"nine", 9},      {"ten", 10},     {"eleven", 11},
      {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14}, {"fifteen", 15}, {"sixteen", 16},
      {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19}, {"twenty", 20},  {"thirty", 30},
      {"forty", 40},     {"fifty", 50}};
  return m;
}

const std::map<std::string, int, std::less<>>& ordinalWords() {
  static const std::map<std::string, int, std::less<>> m{
      {"first", 1},        {"second", 2},      {"third", 3},       {"fourth", 4},
      {"fifth", 5},        {"sixth", 6},       {"seventh", 7},     {"eighth", 8},
      {"ninth", 9},        {"tenth", 10},      {"eleventh", 11},   {"twelfth", 12},
      {"thirteenth", 13},  {"fourteenth", 14}, {"fifteenth", 15},  {"sixteenth", 16},
      {"seventeenth", 17}, {"eighteenth", 18}, {"nineteenth", 19}, {"twentieth", 20},
      {"thirtieth", 30}};
  return m;
}

std::optional<unsigned> monthOf(std::string_view t) {
  static const std::array<const char*, 12> names{"january",   "february", "march",    "april",
                                                 "may",       "june",     "july",     "august",
                                                 "september", "october",  "november", "december"};
  if (t.size() < 3) return std::nullopt;
  for (unsigned i = 0; i < 12; ++i) {
    std::string_view n = names[i];
    if (t.size() <= n.size() && n.substr(0, t.size()) == t) return i + 1;  // "jan", "sept"
  }
  return std::nullopt;
}

std::optional<unsigned> weekdayOf(std::string_view t) {  // c_encoding, Sunday = 0
  static const std::array<const char*, 7> names{"sunday",   "monday", "tuesday", "wednesday",
                                                "thursday", "friday", "saturday"};
  static const std::map<std::string, unsigned, std::less<>> shortNames{
      {"sun", 0}, {"mon", 1},  {"tue", 2},   {"tues", 2}, {"wed", 3}, {"weds", 3},
      {"thu", 4}, {"thur", 4}, {"thurs", 4}, {"fri", 5},  {"sat", 6}};
  for (unsigned i = 0; i < 7; ++i) {
    std::string_view n = names[i];
    if (t == n || (t.size() == n.size() + 1 && t.back() == 's' && t.substr(0, n.size()) == n))
      return i;
  }
  if (auto it = shortNames.find(t); it != shortNames.end()) return it->second;
  return std::nullopt;
}

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<int> toInt(std::string_view s) {
  if (!allDigits(s) || s.size() > 4) return std::nullopt;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Lower-case, unify spellings, split "2pm" / "7th" / "2:30pm" into tokens.
std::vector<std::string> tokenize(std::string_view in) {
  std::string s;
  for (size_t i = 0; i < in.size() && i < kMaxDatePhraseChars; ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(in[i])));
    bool digitAround = i > 0 && i + 1 < in.size() &&
                       std::isdigit(static_cast<unsigned char>(in[i - 1])) &&
                       std::isdigit(static_cast<unsigned char>(in[i + 1]));
    if (c == '.' && i > 0 &&
        (in[i - 1] == 'a' || in[i - 1] == 'p' || in[i - 1] == 'm' || in[i - 1] == 'A' ||
         in[i - 1] == 'P' || in[i - 1] == 'M'))
      continue;                              // a.m. → am
    if (c == '\'' || c == '\x92') continue;  // o'clock → oclock
    if (std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '/' ||
        (c == '-' && digitAround) || (c == '.' && digitAround))
      s += c == '.' ? ':' : c;
    else
      s += ' ';
  }
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (cur.empty()) return;
    // split digits|letters boundary unless an ordinal suffix (7th) follows
    size_t k = 0;
    while (k < cur.size() && (std::isdigit(static_cast<unsigned char>(cur[k])) || cur[k] == ':' ||
                              cur[k] == '/' || cur[k] == '-'))
      ++k;
    std::string head = cur.substr(0, k), tail = cur.substr(k);
    if (!head.empty() && !tail.empty() &&
        !(tail == "st" || tail == "nd" || tail == "rd" || tail == "th")) {
      out.push_back(head);
      out.push_back(tail);
    } else
      out.push_back(cur);
    cur.clear();
  };
  for (char c : s) {
    if (c == ' ')
      flush();
    else
      cur += c;
  }
  flush();
  if (out.size() > kMaxTokens) out.resize(kMaxTokens);
  for (auto& t : out) {
    if (t == "oclock" || t == "clock") t = "oclock";
    if (t == "tmrw" || t == "tmr" || t == "tomorow" || t == "tommorow" || t == "tommorrow")
      t = "tomorrow";
    if (t == "tonite") t = "tonight";
    if (t == "p") t = "pm";
    if (t == "noontime") t = "noon";
  }
  return out;
}

}  // namespace parley::tools::date_words
