#include "dialog/local/stt/DomainLanguageModel.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace parley::dialog::local {
namespace {

std::vector<std::string> splitWords(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string lower(std::string s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u) || c == '\'')
      out += static_cast<char>(std::tolower(u));
    else
      out += ' ';
  }
  return out;
}

}  // namespace

std::vector<std::string> bookingCorpus(const tools::Tenant* tenant,
                                       const std::vector<std::string>& keywords) {
  static const char* const kDays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                      "friday", "saturday", "sunday"};
  static const char* const kHours[] = {"one",   "two",   "three", "four", "five",   "six",
                                       "seven", "eight", "nine",  "ten",  "eleven", "twelve"};
  static const char* const kMinutes[] = {"", "fifteen", "thirty", "forty five", "o'clock"};
  static const char* const kOrdinals[] = {
      "first",        "second",        "third",        "fourth",     "fifth",
      "sixth",        "seventh",       "eighth",       "ninth",      "tenth",
      "eleventh",     "twelfth",       "thirteenth",   "fourteenth", "fifteenth",
      "sixteenth",    "seventeenth",   "eighteenth",   "nineteenth", "twentieth",
      "twenty first", "twenty second", "twenty third", "thirtieth",  "thirty first"};
  static const char* const kMonths[] = {"january",   "february", "march",    "april",
                                        "may",       "june",     "july",     "august",
                                        "september", "october",  "november", "december"};
  static const char* const kPhrases[] = {"yes",
                                         "no",
                                         "yes please",
                                         "no thanks",
                                         "no thank you",
                                         "that's right",
                                         "that's correct",
                                         "sounds good",
                                         "okay",
                                         "sure",
                                         "goodbye",
                                         "bye",
                                         "thank you",
                                         "that's all",
                                         "the first one",
                                         "the second one",
                                         "the third one",
                                         "the last one",
                                         "anything later",
                                         "later than that",
                                         "anything earlier",
                                         "actually make it four",
                                         "what are your hours",
                                         "when are you open",
                                         "how much does it cost",
                                         "where are you located",
                                         "what's your address",
                                         "can i talk to a person",
                                         "i'd like to cancel my appointment",
                                         "i need to reschedule my appointment",
                                         "i'd like to make an appointment",
                                         "can i book an appointment",
                                         "my name is",
                                         "this is",
                                         "tomorrow",
                                         "today",
                                         "next week",
                                         "this week",
                                         "in the morning",
                                         "in the afternoon",
                                         "in the evening",
                                         "morning",
                                         "afternoon",
                                         "evening",
                                         "noon"};
  std::vector<std::string> services = {"cleaning", "checkup", "appointment"};
  std::vector<std::string> staff;
  if (tenant) {
    services.clear();
    for (const auto& s : tenant->services) services.push_back(lower(s.name));
    for (const auto& m : tenant->staff) {
      std::string n = lower(m.name);
      staff.push_back(n);
      auto ws = splitWords(n);
      if (!ws.empty()) staff.push_back("doctor " + ws.back());
    }
  }
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (out.size() < kMaxCorpusSentences) out.push_back(std::move(s));
  };
  for (const char* p : kPhrases) add(p);
  for (const auto& k : keywords) add(lower(k));
  std::vector<std::string> times;
  for (const char* h : kHours)
    for (const char* m : kMinutes) times.push_back(std::string(h) + (*m ? " " : "") + m);
  for (const auto& svc : services) {
    add("i'd like to book a " + svc);
    add("can i book a " + svc);
    add("i need a " + svc);
    add("a " + svc + " please");
    for (const char* d : kDays) {
      add("i'd like to book a " + svc + " next " + d);
      add("a " + svc + " on " + d);
      add("can i come in on " + std::string(d));
    }
    for (const auto& who : staff) add("a " + svc + " with " + who);
  }
  for (const char* d : kDays) {
    add(d);
    add(std::string("next ") + d);
    add(std::string("this ") + d);
    add(std::string("on ") + d + " morning");
    add(std::string("on ") + d + " afternoon");
    add(std::string("no ") + d);
    for (const auto& t : times) add(std::string(d) + " at " + t);
  }
  for (const auto& t : times) {
    add("at " + t);
    add("next tuesday at " + t);
    add("make it " + t);
  }
  for (const char* m : kMonths)
    for (const char* o : kOrdinals) add(std::string(m) + " " + o);
  for (const char* o : kOrdinals) add(std::string("the ") + o);
  return out;
}

std::string buildArpaModel(const std::vector<std::string>& sentences,
                           const std::vector<std::string>& dictionaryWords) {
  std::set<std::string> known(dictionaryWords.begin(), dictionaryWords.end());
  std::map<std::string, double> uni;
  std::map<std::string, std::map<std::string, double>> bi;
  double total = 0;
  for (const auto& s : sentences) {
    std::vector<std::string> ws = {"<s>"};
    for (auto& w : splitWords(s))
      if (known.count(w)) ws.push_back(w);
    ws.push_back("</s>");
    if (ws.size() <= 2) continue;
    for (size_t i = 0; i < ws.size(); ++i) {
      uni[ws[i]] += 1;
      total += 1;
      if (i > 0) bi[ws[i - 1]][ws[i]] += 1;
    }
  }
  if (uni.empty()) return {};
  // Unigrams: maximum likelihood with a floor (every word stays reachable).
  std::map<std::string, double> pUni;
  for (const auto& [w, c] : uni) pUni[w] = c / total;
  pUni["<s>"] = 1e-99;  // never predicted; ARPA convention writes -99
  // Bigrams with absolute discounting; the freed mass goes to the back-off.
  std::map<std::string, double> backoff;
  std::map<std::string, std::map<std::string, double>> pBi;
  for (const auto& [h, next] : bi) {
    double count = 0;
    for (const auto& [w, c] : next) count += c;
    double seenUni = 0, seenBi = 0;
    for (const auto& [w, c] : next) {
      double p = (c - kBigramDiscount) / count;
      pBi[h][w] = p;
      seenBi += p;
      seenUni += pUni[w];
    }
    double alpha = (1.0 - seenBi) / std::max(1e-9, 1.0 - seenUni);
    backoff[h] = alpha;
  }
  size_t nBi = 0;
  for (const auto& [h, m] : pBi) nBi += m.size();
  std::string out = "\\data\\\nngram 1=" + std::to_string(pUni.size()) +
                    "\nngram 2=" + std::to_string(nBi) + "\n\n\\1-grams:\n";
  char line[512];
  for (const auto& [w, p] : pUni) {
    double lp = w == "<s>" ? -99.0 : std::log10(p);
    auto b = backoff.find(w);
    if (b != backoff.end())
      std::snprintf(line, sizeof line, "%.4f %s %.4f\n", lp, w.c_str(), std::log10(b->second));
    else
      std::snprintf(line, sizeof line, "%.4f %s\n", lp, w.c_str());
    out += line;
  }
  out += "\n\\2-grams:\n";
  for (const auto& [h, m] : pBi)
    for (const auto& [w, p] : m) {
      std::snprintf(line, sizeof line, "%.4f %s %s\n", std::log10(p), h.c_str(), w.c_str());
      out += line;
    }
  out += "\n\\end\\\n";
  return out;
}

}  // namespace parley::dialog::local
