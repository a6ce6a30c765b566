#include "dialog/local/stt/DomainLanguageModel.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace parley::dialog::local {
std::string spokenWords(const std::string& s) {
  std::string flat;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    flat += std::isalpha(u) || c == '\'' ? static_cast<char>(std::tolower(u)) : ' ';
  }
  std::string out;
  for (auto& w : splitWords(flat)) out += (out.empty() ? "" : " ") + (w == "dr" ? "doctor" : w);
  return out;
}

namespace {

/// A small deterministic generator (xorshift64), so a corpus is the same on every run.
struct Picker {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  template <class T>
  const T& operator()(const std::vector<T>& v) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return v[state % v.size()];
  }
};

std::string join(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts)
    if (!p.empty()) out += (out.empty() ? "" : " ") + p;
  return out;
}

using Strings = std::vector<std::string>;

/// Common US given names, for the name forms of the booking and keyword corpora.
const Strings& commonFirstNames() {
  static const Strings names = {
      "james",   "mary",      "john",    "patricia", "robert",  "jennifer", "michael", "linda",
      "william", "elizabeth", "david",   "barbara",  "richard", "susan",    "joseph",  "jessica",
      "thomas",  "sarah",     "charles", "karen",    "chris",   "nancy",    "daniel",  "lisa",
      "matthew", "betty",     "anthony", "margaret", "mark",    "sandra",   "paul",    "ashley",
      "steven",  "emily",     "andrew",  "donna",    "kevin",   "michelle", "brian",   "carol",
      "george",  "amanda",    "edward",  "melissa",  "ryan",    "deborah",  "jason",   "laura",
      "maria",   "anna",      "jose",    "carlos",   "juan",    "luis",     "ana",     "rosa",
      "peter",   "alice",     "tom",     "kate",     "sam",     "alex",     "emma",    "olivia",
      "noah",    "liam",      "sophia",  "mia",      "ben",     "jack",     "grace",   "chloe"};
  return names;
}

}  // namespace

std::vector<std::string> bookingCorpus(const tools::Tenant* tenant) {
  const Strings& firstNames = commonFirstNames();
  const Strings days = {"monday", "tuesday",  "wednesday", "thursday",
                        "friday", "saturday", "sunday"};
  const Strings hours = {"one",   "two",   "three", "four", "five",   "six",
                         "seven", "eight", "nine",  "ten",  "eleven", "twelve"};
  const Strings minutes = {"",        "",    "fifteen", "thirty", "forty five", "o'clock",
                           "oh five", "ten", "twenty",  "forty",  "fifty"};
  const Strings ordinals = {"first",        "second",        "third",          "fourth",
                            "fifth",        "sixth",         "seventh",        "eighth",
                            "ninth",        "tenth",         "eleventh",       "twelfth",
                            "thirteenth",   "fourteenth",    "fifteenth",      "sixteenth",
                            "seventeenth",  "eighteenth",    "nineteenth",     "twentieth",
                            "twenty first", "twenty second", "twenty third",   "twenty fourth",
                            "twenty fifth", "twenty sixth",  "twenty seventh", "twenty eighth",
                            "twenty ninth", "thirtieth",     "thirty first"};
  const Strings months = {"january", "february", "march",     "april",   "may",      "june",
                          "july",    "august",   "september", "october", "november", "december"};
  const Strings digits = {"zero", "oh",  "one",   "two",   "three", "four",
                          "five", "six", "seven", "eight", "nine"};
  // Common US surnames (callers say theirs; given names are commonFirstNames()): most names a
  // caller gives are among these, the rest come through the generic model or per-stream keywords.
  const Strings lastNames = {
      "smith",    "johnson",   "williams", "brown",     "jones",    "garcia",   "miller",
      "davis",    "rodriguez", "martinez", "hernandez", "lopez",    "gonzalez", "wilson",
      "anderson", "thomas",    "taylor",   "moore",     "jackson",  "martin",   "lee",
      "perez",    "thompson",  "white",    "harris",    "sanchez",  "clark",    "ramirez",
      "lewis",    "robinson",  "walker",   "young",     "allen",    "king",     "wright",
      "scott",    "torres",    "nguyen",   "hill",      "flores",   "green",    "adams",
      "nelson",   "baker",     "hall",     "rivera",    "campbell", "mitchell", "carter",
      "roberts",  "kim",       "chen",     "patel",     "cohen",    "murphy",   "cook"};

  Strings services;
  Strings staff;  // "doctor katherine lee", "katherine", "doctor lee"
  if (tenant) {
    for (const auto& s : tenant->services) services.push_back(spokenWords(s.name));
    for (const auto& m : tenant->staff) {
      auto ws = splitWords(spokenWords(m.name));
      bool titled = !ws.empty() && ws.front() == "doctor";
      if (titled) ws.erase(ws.begin());
      if (ws.empty()) continue;
      std::string full;
      for (const auto& w : ws) full += (full.empty() ? "" : " ") + w;
      staff.push_back(full);
      staff.push_back(ws.front());
      if (titled) {
        staff.push_back("doctor " + ws.back());
        staff.push_back("doctor " + full);
      }
    }
  }
  if (services.empty()) services = {"cleaning", "checkup", "consultation"};

  Strings times;
  for (const auto& h : hours)
    for (const auto& m : minutes) times.push_back(join({h, m}));
  Strings clock = times;
  for (const auto& t : times) {
    clock.push_back(t + " a m");
    clock.push_back(t + " p m");
  }
  clock.push_back("noon");
  clock.push_back("midday");
  Strings dates;
  for (const auto& m : months)
    for (const auto& o : ordinals) {
      dates.push_back(m + " " + o);
      dates.push_back("the " + o + " of " + m);
    }
  for (const auto& o : ordinals) dates.push_back("the " + o);

  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (out.size() < kMaxCorpusSentences && !s.empty()) out.push_back(std::move(s));
  };
  Picker pick;

  // Short answers and conversational turns, as said on their own.
  const Strings phrases = {"yes",
                           "yeah",
                           "yep",
                           "no",
                           "nope",
                           "yes please",
                           "yes that's right",
                           "yes that's correct",
                           "yes that works",
                           "yes that's fine",
                           "that works",
                           "that's fine",
                           "that's perfect",
                           "perfect",
                           "great",
                           "sounds good",
                           "that sounds good",
                           "okay",
                           "ok",
                           "sure",
                           "all right",
                           "no thanks",
                           "no thank you",
                           "no thank you that's all",
                           "no that's all",
                           "that's all",
                           "that's all thanks",
                           "that's it",
                           "that's everything",
                           "nothing else",
                           "thank you",
                           "thanks",
                           "thank you very much",
                           "goodbye",
                           "bye",
                           "bye bye",
                           "thank you goodbye",
                           "the first one",
                           "the first one please",
                           "the second one",
                           "the second one please",
                           "the third one",
                           "the last one",
                           "the earlier one",
                           "the later one",
                           "the first",
                           "the second",
                           "either is fine",
                           "anything later",
                           "anything earlier",
                           "later than that",
                           "earlier than that",
                           "anything later than that",
                           "anything earlier than that",
                           "do you have anything later",
                           "do you have anything earlier",
                           "do you have anything later than that",
                           "do you have anything earlier than that",
                           "is there anything later",
                           "is there anything earlier",
                           "something later",
                           "something earlier",
                           "what about the afternoon",
                           "what about the morning",
                           "what are your hours",
                           "what are your opening hours",
                           "when are you open",
                           "what time do you open",
                           "what time do you close",
                           "are you open on saturday",
                           "are you open on sunday",
                           "how much does it cost",
                           "how much is it",
                           "what are your prices",
                           "where are you located",
                           "where are you",
                           "what's your address",
                           "what is your address",
                           "can i talk to a person",
                           "can i speak to someone",
                           "can i talk to someone",
                           "can i speak to a real person",
                           "i'd like to talk to a person",
                           "i need to cancel",
                           "i need to cancel my appointment",
                           "i'd like to cancel my appointment",
                           "i want to cancel my appointment",
                           "can i cancel my appointment",
                           "i need to reschedule",
                           "i need to reschedule my appointment",
                           "i'd like to reschedule my appointment",
                           "can i reschedule my appointment",
                           "can i change my appointment",
                           "i'd like to move my appointment",
                           "i'd like to make an appointment",
                           "i'd like to book an appointment",
                           "can i book an appointment",
                           "can i make an appointment",
                           "i need an appointment",
                           "i want to book an appointment",
                           "do you have any openings",
                           "what do you have available",
                           "when is the next available appointment",
                           "sorry",
                           "sorry what",
                           "sorry can you repeat that",
                           "could you repeat that",
                           "pardon",
                           "i'm not sure",
                           "hold on",
                           "one moment",
                           "hello",
                           "hi",
                           "hi there",
                           "good morning",
                           "good afternoon",
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
                           "as soon as possible",
                           "the earliest you have",
                           "whenever is available"};
  for (const auto& p : phrases) add(p);

  // Compositional booking requests: opener, request, service, staff, day, time.
  const Strings openers = {"",     "",     "",   "",         "hi",           "hello", "yes",
                           "yeah", "okay", "um", "hi there", "good morning", "so"};
  const Strings requests = {"i'd like to book",
                            "i would like to book",
                            "i want to book",
                            "can i book",
                            "could i book",
                            "can i get",
                            "could i get",
                            "i need",
                            "i'd like",
                            "i'd like to schedule",
                            "can i schedule",
                            "i'd like to come in for",
                            "do you have",
                            "is there",
                            "i'm calling to book",
                            "i'm looking for",
                            "book me"};
  const Strings serviceForms = {"a {s}", "a {s}", "an appointment for a {s}", "a {s} appointment",
                                "{s}"};
  const Strings dayForms = {"",
                            "",
                            "on {d}",
                            "next {d}",
                            "this {d}",
                            "{d}",
                            "on {d} morning",
                            "on {d} afternoon",
                            "{d} morning",
                            "{d} afternoon",
                            "tomorrow",
                            "today",
                            "next week",
                            "this week",
                            "on {date}",
                            "on {date}",
                            "{date}"};
  const Strings timeForms = {"",
                             "",
                             "at {t}",
                             "at {t}",
                             "at {c}",
                             "around {t}",
                             "after {t}",
                             "before {t}",
                             "in the morning",
                             "in the afternoon",
                             "at {t} please",
                             "sometime in the morning",
                             "sometime in the afternoon"};
  auto fill = [&](std::string form) {
    auto rep = [&](const std::string& key, const Strings& pool) {
      for (size_t p; (p = form.find(key)) != std::string::npos;)
        form.replace(p, key.size(), pick(pool));
    };
    rep("{s}", services);
    rep("{d}", days);
    rep("{date}", dates);
    rep("{t}", times);
    rep("{c}", clock);
    if (!staff.empty()) rep("{p}", staff);
    return form;
  };
  for (int i = 0; i < 12000; ++i) {
    std::string staffPart = !staff.empty() && i % 3 == 0 ? "with " + pick(staff) : "";
    add(join({pick(openers), pick(requests), fill(pick(serviceForms)), staffPart,
              fill(pick(dayForms)), fill(pick(timeForms))}));
  }
  // Answers to "which day / what time": a day, a time or both, alone or with a lead-in.
  const Strings whenForms = {"{d}",
                             "on {d}",
                             "next {d}",
                             "{d} at {t}",
                             "on {d} at {t}",
                             "next {d} at {t}",
                             "{d} at {c}",
                             "at {t}",
                             "at {c}",
                             "{t}",
                             "{c}",
                             "{t} please",
                             "{date}",
                             "on {date}",
                             "{date} at {t}",
                             "how about {d}",
                             "how about {d} at {t}",
                             "what about {d}",
                             "can i come in on {d}",
                             "can i come in on {d} at {t}",
                             "do you have anything on {d}",
                             "do you have anything at {t}",
                             "is {t} available",
                             "is {d} at {t} available",
                             "no {d}",
                             "no {d} is better",
                             "actually {d}",
                             "actually make it {t}",
                             "actually make it {d}",
                             "make it {t}",
                             "can we do {t}",
                             "can we do {d} instead",
                             "{d} works",
                             "{t} works",
                             "{d} at {t} works",
                             "yes {d} at {t}",
                             "{d} morning",
                             "{d} afternoon",
                             "anything later on {d}",
                             "anything earlier on {d}",
                             "can i reschedule my appointment to {d}",
                             "can i reschedule my appointment to {d} at {t}",
                             "i'd like to reschedule to {d}",
                             "can you move it to {d}",
                             "move it to {d} at {t}",
                             "i need to cancel my appointment on {d}",
                             "i'd like to cancel my {s} on {d}",
                             "i'd like to reschedule my {s}",
                             "how much does a {s} cost",
                             "how much is a {s}",
                             "what does a {s} cost",
                             "how long does a {s} take",
                             "do you do {s}",
                             "i'd like a {s}",
                             "a {s} please",
                             "just a {s}",
                             "the {s}"};
  for (int i = 0; i < 8000; ++i) add(fill(pick(whenForms)));
  // Staff requests.
  if (!staff.empty()) {
    const Strings staffForms = {"with {p}",
                                "with {p} please",
                                "i'd like to see {p}",
                                "i'd like to see {p} on {d}",
                                "i'd like to see {p} next {d} at {t}",
                                "can i see {p}",
                                "is {p} available",
                                "is {p} available on {d}",
                                "is {p} in on {d}",
                                "a {s} with {p}",
                                "a {s} with {p} on {d} at {t}",
                                "can i book with {p}",
                                "{p} please",
                                "i usually see {p}",
                                "anyone is fine",
                                "i don't mind"};
    for (int i = 0; i < 3000; ++i) add(fill(pick(staffForms)));
  }
  // Caller names and numbers.
  const Strings nameForms = {"my name is {f} {l}",   "my name is {f}",
                             "it's {f} {l}",         "this is {f} {l}",
                             "this is {f}",          "{f} {l}",
                             "the name is {f} {l}",  "it's {l}",
                             "{f} {l} speaking",     "my last name is {l}",
                             "my first name is {f}", "under {f} {l}",
                             "yes it's {f} {l}",     "i'm {f} {l}"};
  for (int i = 0; i < 3000; ++i) {
    std::string form = pick(nameForms);
    for (size_t p; (p = form.find("{f}")) != std::string::npos;)
      form.replace(p, 3, pick(firstNames));
    for (size_t p; (p = form.find("{l}")) != std::string::npos;)
      form.replace(p, 3, pick(lastNames));
    add(form);
  }
  for (int i = 0; i < 600; ++i) {
    std::string n;
    for (int k = 0; k < 10; ++k) n += (k ? " " : "") + pick(digits);
    add(i % 2 ? "my number is " + n : n);
  }
  return out;
}

std::vector<std::string> keywordCorpus(const std::vector<DomainKeyword>& keywords) {
  // The contexts such words take (a name, a service, a person), as many sentences as their
  // boost asks for: within this corpus, a keyword's share of the n-gram counts follows its boost.
  const Strings keywordForms = {"{k}",
                                "my name is {k}",
                                "my name is {f} {k}",
                                "it's {f} {k}",
                                "this is {f} {k}",
                                "{f} {k}",
                                "with {k}",
                                "a {k}",
                                "i'd like to book a {k}",
                                "i'd like to see {k}",
                                "is {k} available",
                                "the name is {k}"};
  // Many strongly boosted keywords share kMaxKeywordSentences in proportion to their boosts: a
  // stream's model stays a fraction of the booking model's build time whatever it asks for.
  double total = 0;
  for (const auto& k : keywords) total += std::clamp(k.boost, 0.0, kMaxKeywordBoost);
  double perBoost = kKeywordSentencesPerBoost;
  if (total * perBoost > static_cast<double>(kMaxKeywordSentences))
    perBoost = static_cast<double>(kMaxKeywordSentences) / total;
  std::vector<std::string> out;
  Picker pick;
  for (const auto& k : keywords) {
    std::string phrase = spokenWords(k.phrase);
    if (phrase.empty()) continue;
    out.push_back(phrase);
    double boost = std::clamp(k.boost, 0.0, kMaxKeywordBoost);
    auto n = static_cast<int>(std::floor(boost * perBoost + 0.5));
    for (int i = 0; i < n; ++i) {
      std::string form = pick(keywordForms);
      for (size_t p; (p = form.find("{f}")) != std::string::npos;)
        form.replace(p, 3, pick(commonFirstNames()));
      form.replace(form.find("{k}"), 3, phrase);
      out.push_back(std::move(form));
    }
  }
  return out;
}

double keywordModelWeight(const std::vector<DomainKeyword>& keywords) {
  double boost = 0;
  for (const auto& k : keywords) boost += std::clamp(k.boost, 0.0, kMaxKeywordBoost);
  return std::clamp(boost * kKeywordLmWeightPerBoost, kMinKeywordLmWeight, kMaxKeywordLmWeight);
}

}  // namespace parley::dialog::local
