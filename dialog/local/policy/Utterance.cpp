#include "dialog/local/policy/Utterance.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>

#include "tools/names/PhoneticMatcher.hpp"

namespace parley::dialog::local {
namespace {

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// True when `phrase` (normalised, single spaces) occurs in `text` on word boundaries.
bool hasPhrase(const std::string& text, std::string_view phrase) {
  std::string padded = " " + text + " ";
  std::string p = " " + std::string(phrase) + " ";
  return padded.find(p) != std::string::npos;
}

bool hasAny(const std::string& text, std::initializer_list<std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view p) { return hasPhrase(text, p); });
}

/// Spoken digits → digits ("five five five one two" → "55512"); written digits kept. Returns
/// the digits when there are at least 7 (a phone number), else "".
std::string phoneDigits(const std::vector<std::string>& ws) {
  static const std::array<std::string_view, 10> kDigits = {"zero", "one", "two",   "three", "four",
                                                           "five", "six", "seven", "eight", "nine"};
  std::string out;
  for (const auto& w : ws) {
    if (w == "oh" || w == "o") {
      out += '0';
      continue;
    }
    auto it = std::find(kDigits.begin(), kDigits.end(), w);
    if (it != kDigits.end()) {
      out += static_cast<char>('0' + (it - kDigits.begin()));
      continue;
    }
    if (std::all_of(w.begin(), w.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      out += w;
  }
  return out.size() >= 7 && out.size() <= 15 ? out : "";
}

/// Words that are never part of a name said on its own ("it's John" → "John").
bool isFiller(const std::string& w) {
  static const std::array<std::string_view, 22> kFiller = {
      "it's", "its",  "it",   "is", "my",   "name", "this", "i'm", "im",     "i",      "am",
      "yes",  "yeah", "sure", "ok", "okay", "uh",   "um",   "the", "please", "thanks", "call"};
  return std::find(kFiller.begin(), kFiller.end(), w) != kFiller.end();
}

std::string titleCase(const std::vector<std::string>& ws) {
  std::string out;
  for (auto w : ws) {
    if (w.empty()) continue;
    w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

/// The name after "my name is" / "this is" / "name's" / "i'm" / "it's", up to three words.
std::string nameAfterCue(const std::vector<std::string>& ws, bool expectName) {
  static const std::vector<std::vector<std::string>> kCues = {
      {"my", "name", "is"}, {"name", "is"}, {"name's"}, {"this", "is"}, {"call", "me"}};
  std::vector<std::vector<std::string>> cues = kCues;
  if (expectName) {
    cues.push_back({"i'm"});
    cues.push_back({"it's"});
    cues.push_back({"i", "am"});
    cues.push_back({"it", "is"});
  }
  for (const auto& cue : cues) {
    for (size_t i = 0; i + cue.size() <= ws.size(); ++i) {
      if (!std::equal(cue.begin(), cue.end(), ws.begin() + static_cast<long>(i))) continue;
      std::vector<std::string> name;
      for (size_t j = i + cue.size(); j < ws.size() && name.size() < 3; ++j) {
        if (ws[j] == "and" || ws[j] == "i" || ws[j] == "please" || ws[j] == "thanks") break;
        if (std::isalpha(static_cast<unsigned char>(ws[j][0]))) name.push_back(ws[j]);
      }
      if (!name.empty()) return titleCase(name);
    }
  }
  return {};
}

const tools::Service* findService(const std::string& text, const tools::Tenant& t) {
  // Exact word first ("cleaning", "check up", "checkup"), then common stems, then phonetics
  // (speech-to-text spells rare words oddly).
  for (const auto& s : t.services) {
    std::string name = normalizeText(s.name);
    if (hasPhrase(text, name) || hasPhrase(text, s.id) || hasPhrase(text, name + "s")) return &s;
  }
  struct Stem {
    std::string_view word;
    std::string_view serviceId;
  } static const kStems[] = {{"check up", "checkup"}, {"exam", "checkup"},
                             {"clean", "cleaning"},   {"teeth cleaned", "cleaning"},
                             {"whiten", "whitening"}, {"consult", "consultation"}};
  for (const auto& st : kStems)
    if (hasPhrase(text, st.word))
      if (const auto* s = t.findService(st.serviceId)) return s;
  if (t.serviceNames) {
    for (const auto& w : words(text)) {
      if (w.size() < 5) continue;  // short words match too much by sound
      auto best = tools::PhoneticMatcher::confident(t.serviceNames->match(w, 0.85));
      if (!best.empty()) return t.findService(best[0].id);
    }
  }
  return nullptr;
}

const tools::StaffMember* findStaff(const std::vector<std::string>& ws, const tools::Tenant& t) {
  if (!t.staffNames) return nullptr;
  // A name follows "with", "see", "doctor"/"dr"; try the next one to three words.
  for (size_t i = 0; i < ws.size(); ++i) {
    bool cue = ws[i] == "with" || ws[i] == "see" || ws[i] == "doctor" || ws[i] == "dr";
    if (!cue) continue;
    size_t from = (ws[i] == "doctor" || ws[i] == "dr") ? i : i + 1;
    for (size_t n = 3; n >= 1; --n) {
      if (from + n > ws.size()) continue;
      std::string phrase;
      for (size_t j = from; j < from + n; ++j) phrase += (phrase.empty() ? "" : " ") + ws[j];
      auto best = tools::PhoneticMatcher::confident(t.staffNames->match(phrase, 0.75));
      if (!best.empty()) return t.findStaff(best[0].id);
    }
  }
  return nullptr;
}

/// "make it 4" / "how about 4" → "at 4" so the date parser reads a bare hour as a time.
std::string timeCues(std::string text) {
  for (std::string_view cue : {"make it ", "how about ", "what about ", "instead at "}) {
    size_t at = text.find(cue);
    if (at != std::string::npos) text.replace(at, cue.size(), "at ");
  }
  return text;
}

}  // namespace

bool Utterance::has(Intent i) const {
  return std::find(intents.begin(), intents.end(), i) != intents.end();
}

std::string normalizeText(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxUtteranceChars));
  bool space = true;
  for (char c : text.substr(0, kMaxUtteranceChars)) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == ':' || c == '\'') {
      out += static_cast<char>(std::tolower(u));
      space = false;
    } else if (!space) {
      out += ' ';
      space = true;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Utterance readUtterance(std::string_view text, const tools::Tenant& tenant, date::local_days today,
                        bool expectName) {
  Utterance u;
  u.normalized = normalizeText(text);
  const std::string& t = u.normalized;
  auto ws = words(t);

  if (hasAny(t, {"reschedule", "move my", "change my", "move the", "change the", "push back",
                 "different time for my"}))
    u.intents.push_back(Intent::Reschedule);
  if (hasAny(t, {"cancel", "call off"})) u.intents.push_back(Intent::Cancel);
  if (hasAny(t, {"book", "appointment", "schedule", "make an", "come in", "get in", "set up"}) &&
      !u.has(Intent::Reschedule) && !u.has(Intent::Cancel))
    u.intents.push_back(Intent::Book);
  if (hasAny(t, {"hours", "open", "close", "closing", "opening"}))
    u.intents.push_back(Intent::Hours);
  if (hasAny(t, {"price", "prices", "cost", "costs", "how much", "charge"}))
    u.intents.push_back(Intent::Prices);
  if (hasAny(t, {"address", "where are you", "located", "location", "directions"}))
    u.intents.push_back(Intent::Address);
  if (hasAny(t, {"a person", "a human", "real person", "someone", "somebody", "receptionist",
                 "operator", "representative", "front desk"}))
    u.intents.push_back(Intent::Person);
  if (hasAny(t, {"bye", "goodbye", "good bye", "that's all", "thats all", "that is all",
                 "nothing else", "that's it", "thats it", "no thanks", "no thank you"}))
    u.intents.push_back(Intent::Goodbye);

  u.yes = hasAny(t, {"yes",      "yeah",         "yep",         "yup",        "sure",
                     "correct",  "that's right", "thats right", "right",      "please do",
                     "go ahead", "sounds good",  "perfect",     "okay",       "ok",
                     "great",    "works",        "book it",     "absolutely", "definitely"});
  u.no = hasAny(t, {"no", "nope", "not", "don't", "dont", "wrong", "actually", "instead"});
  if (u.no && !hasAny(t, {"yes", "yeah", "yep"})) u.yes = false;
  u.later = hasAny(t, {"later", "after that"});
  u.earlier = hasAny(t, {"earlier", "before that", "sooner"});

  if (hasAny(t, {"first", "first one", "the first", "earliest", "1st"}))
    u.choice = Choice::First;
  else if (hasAny(t, {"second", "second one", "2nd", "middle", "the other one"}))
    u.choice = Choice::Second;
  else if (hasAny(t, {"third", "third one", "3rd"}))
    u.choice = Choice::Third;
  else if (hasAny(t, {"last", "last one", "latest"}))
    u.choice = Choice::Last;

  u.service = findService(t, tenant);
  u.staff = findStaff(ws, tenant);
  u.phone = phoneDigits(ws);
  for (std::string_view p : {"morning", "afternoon", "evening"})
    if (hasPhrase(t, p)) u.partOfDay = p;

  if (u.phone.empty()) {
    // "the first one" / "the 2nd" are choices here, not days of the month.
    std::string dateText = timeCues(t);
    if (u.choice != Choice::None &&
        !hasAny(t, {"of", "january", "february", "march", "april", "may", "june", "july", "august",
                    "september", "october", "november", "december"}))
      dateText.clear();
    u.when = tools::parseDatePhrase(dateText, today);
  }

  u.name = nameAfterCue(ws, expectName);
  if (u.name.empty() && expectName && u.intents.empty() && !u.service && !u.when.understood() &&
      u.phone.empty()) {
    std::vector<std::string> rest;
    for (const auto& w : ws)
      if (!isFiller(w) && std::isalpha(static_cast<unsigned char>(w[0]))) rest.push_back(w);
    if (!rest.empty() && rest.size() <= 3) u.name = titleCase(rest);
  }
  return u;
}

}  // namespace parley::dialog::local
