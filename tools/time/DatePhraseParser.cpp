#include "tools/time/DatePhraseParser.hpp"

#include <map>

#include "tools/time/DateParts.hpp"
#include "tools/time/DateWords.hpp"

namespace parley::tools {
namespace {

using date::days;
using date::local_days;

using date_words::allDigits;
using date_words::monthOf;
using date_words::numberWords;
using date_words::ordinalWords;
using date_words::toInt;
using date_words::tokenize;
using date_words::weekdayOf;

class Parser {
 public:
  Parser(std::vector<std::string> tokens, local_days today)
      : t_(std::move(tokens)), today_(today) {}

  DatePhrase run() {
    while (i_ < t_.size()) {
      size_t before = i_;
      step();
      if (i_ == before) ++i_;  // not understood: skip the word
    }
    return resolve();
  }

 private:
  const std::string& at(size_t k) const {
    static const std::string empty;
    return i_ + k < t_.size() ? t_[i_ + k] : empty;
  }
  bool is(size_t k, std::string_view w) const { return at(k) == w; }

  // A cardinal number at i_+k in words or digits, with how many tokens it takes.
  std::optional<std::pair<int, size_t>> number(size_t k, bool allowA = false) const {
    const std::string& w = at(k);
    if (auto v = toInt(w)) return std::make_pair(*v, size_t{1});
    auto it = numberWords().find(w);
    if (it == numberWords().end()) return std::nullopt;
    if ((w == "a" || w == "an") && !allowA) return std::nullopt;
    if (w == "oh") {  // "oh five" as minutes
      auto u = numberWords().find(at(k + 1));
      if (u != numberWords().end() && u->second >= 1 && u->second <= 9)
        return std::make_pair(u->second, size_t{2});
      return std::nullopt;
    }
    int v = it->second;
    if (v >= 20 && v % 10 == 0) {
      auto u = numberWords().find(at(k + 1));
      if (u != numberWords().end() && u->second >= 1 && u->second <= 9 && u->first != "a" &&
          u->first != "an" && u->first != "oh")
        return std::make_pair(v + u->second, size_t{2});
    }
    return std::make_pair(v, size_t{1});
  }

  // An ordinal at i_+k: "7th", "seventh", "twenty first".
  std::optional<std::pair<int, size_t>> ordinal(size_t k) const {
    const std::string& w = at(k);
    if (w.size() >= 3) {
      auto suffix = w.substr(w.size() - 2);
      if ((suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th"))
        if (auto v = toInt(std::string_view(w).substr(0, w.size() - 2)))
          return std::make_pair(*v, size_t{1});
    }
    if (w == "twenty" || w == "thirty") {
      auto u = ordinalWords().find(at(k + 1));
      if (u != ordinalWords().end() && u->second <= 9)
        return std::make_pair((w == "twenty" ? 20 : 30) + u->second, size_t{2});
    }
    if (auto it = ordinalWords().find(w); it != ordinalWords().end()) {
      if (w == "second" && (is(k + 1, "half") || is(k + 1, "week"))) return std::nullopt;
      return std::make_pair(it->second, size_t{1});
    }
    return std::nullopt;
  }

  void setWindow(TimeRange w, bool partOfDay) {
    p_.window = w;
    p_.windowIsPartOfDay = partOfDay;
    p_.anything = true;
  }

  // A clock time at i_: returns true and advances if one was read.
  bool clockTime(std::optional<int>& hourOut, int& minuteOut, std::optional<bool>& pmOut) {
    size_t k = 0;
    const std::string& w = at(0);
    if (w == "noon" || w == "midday") {
      hourOut = 12, minuteOut = 0, pmOut = true;
      i_ += 1;
      return true;
    }
    if (w == "midnight") {
      hourOut = 0, minuteOut = 0, pmOut = false;
      i_ += 1;
      return true;
    }
    // "half past three", "quarter to four", "ten past two", "twenty to five"
    std::optional<int> rel;
    size_t relLen = 0;
    if (w == "half")
      rel = 30, relLen = 1;
    else if (w == "quarter" || (w == "a" && is(1, "quarter")))
      rel = 15, relLen = w == "a" ? 2 : 1;
    else if (auto n = number(0);
             n && n->first > 0 && n->first < 60 &&
             (is(n->second, "past") || is(n->second, "to") || is(n->second, "after") ||
              is(n->second, "till") || is(n->second, "til"))) {
      rel = n->first, relLen = n->second;
      if (is(relLen, "minutes") || is(relLen, "minute")) ++relLen;
    }
    if (rel) {
      const std::string& dir = at(relLen);
      if (dir == "past" || dir == "to" || dir == "after" || dir == "till" || dir == "til") {
        std::optional<int> h;
        if (is(relLen + 1, "noon"))
          h = 12;
        else if (auto n = number(relLen + 1);
                 n && n->first >= 1 && n->first <= 12 && n->second == 1)
          h = n->first;
        if (h && !(*rel == 30 && dir != "past")) {
          int total = *h * 60 + (dir == "past" || dir == "after" ? *rel : -*rel);
          hourOut = ((total + 24 * 60) % (24 * 60)) / 60;
          minuteOut = ((total + 24 * 60) % (24 * 60)) % 60;
          if (is(relLen + 1, "noon")) pmOut = total >= 12 * 60;
          i_ += relLen + 2;
          readMeridiem(pmOut);
          return true;
        }
      }
    }
    // "2:30", "14:30"
    if (auto colon = w.find(':'); colon != std::string::npos) {
      auto h = toInt(std::string_view(w).substr(0, colon));
      auto m = toInt(std::string_view(w).substr(colon + 1));
      if (h && m && *h <= 23 && *m <= 59 && w.size() - colon - 1 == 2) {
        hourOut = *h, minuteOut = *m;
        if (*h >= 13 || *h == 0) pmOut = *h >= 12;
        i_ += 1;
        readMeridiem(pmOut);
        return true;
      }
      return false;
    }
    // "2", "2 pm", "two thirty", "two oh five", "three o'clock", "1430"
    auto n = number(0);
    if (!n) return false;
    k = n->second;
    int h = n->first;
    if (allDigits(w) && w.size() == 4 && is(1, "hours") == false && (is(1, "am") || is(1, "pm"))) {
      h = n->first / 100;
      int m = n->first % 100;
      if (h > 23 || m > 59) return false;
      hourOut = h, minuteOut = m;
      i_ += 1;
      readMeridiem(pmOut);
      return true;
    }
    if (h < 1 || h > 12) {
      if (h >= 13 && h <= 23 && (is(k, "hundred") || is(k, "hours"))) {
        hourOut = h, minuteOut = 0, pmOut = true;
        i_ += k + 1;
        return true;
      }
      return false;
    }
    // what follows decides whether this number is a time
    int m = 0;
    size_t used = k;
    bool timeLike = false;
    if (is(k, "oclock")) {
      used = k + 1;
      timeLike = true;
    } else if (is(k, "am") || is(k, "pm")) {
      timeLike = true;
    } else if (auto mm = number(k); mm && mm->first >= 0 && mm->first <= 59 &&
                                    (mm->first >= 10 || at(k) == "oh") &&
                                    !is(k + mm->second, "days") && !is(k + mm->second, "weeks") &&
                                    !is(k + mm->second, "day") && !is(k + mm->second, "week") &&
                                    !is(k + mm->second, "minutes")) {
      m = mm->first;
      used = k + mm->second;
      timeLike = true;
    } else if (prevWasAt_ || is(k, "in") || is(k, "tonight") || is(k, "this") ||
               is(k, "tomorrow") || is(k, "today") || is(k, "on") || is(k, "next") || is(k, "") ||
               is(k, "or") || is(k, "and") || weekdayOf(at(k)) || is(k, "ish")) {
      timeLike = true;
    }
    if (!timeLike) return false;
    hourOut = h, minuteOut = m;
    i_ += used;
    readMeridiem(pmOut);
    return true;
  }

  void readMeridiem(std::optional<bool>& pmOut) {
    if (is(0, "am") || is(0, "a")) {
      if (is(0, "a") && !is(1, "m")) return;
      pmOut = false;
      i_ += is(0, "a") ? 2 : 1;
    } else if (is(0, "pm")) {
      pmOut = true;
      i_ += 1;
    } else if (is(0, "in") && is(1, "the") &&
               (is(2, "morning") || is(2, "afternoon") || is(2, "evening"))) {
      // leave "in the morning" to set the window; it also fixes am/pm
    }
    if (is(0, "oclock")) ++i_;
    if (is(0, "ish")) ++i_;
  }

  std::optional<int> readBoundary() {  // a time after "after"/"before"/"between"
    std::optional<int> h;
    int m = 0;
    std::optional<bool> pm;
    prevWasAt_ = true;
    bool ok = clockTime(h, m, pm);
    prevWasAt_ = false;
    if (!ok || !h) return std::nullopt;
    return hourTo24(*h, pm, p_.window, p_.windowIsPartOfDay) * 60 + m;
  }

  void step() {
    const std::string& w = at(0);
    if (w == "at" || w == "around" || w == "about" || w == "by" || w == "say") {
      prevWasAt_ = true;
      ++i_;
      size_t before = i_;
      std::optional<int> h;
      int m = 0;
      std::optional<bool> pm;
      if (clockTime(h, m, pm)) {
        p_.hour = h, p_.minute = m, p_.pm = pm, p_.anything = true;
      }
      prevWasAt_ = false;
      if (i_ == before) return;
      return;
    }
    if (w == "today" || w == "now") {
      if (w == "now")
        p_.range = {today_, today_ + days(13)};
      else
        p_.dayOffset = 0;
      p_.anything = true, ++i_;
      return;
    }
    if (w == "tonight") {
      p_.dayOffset = 0;
      setWindow(*partOfDay("evening"), true);
      ++i_;
      return;
    }
    if (w == "tomorrow") {
      p_.dayOffset = 1, p_.anything = true, ++i_;
      return;
    }
    if (w == "day" && is(1, "after") && is(2, "tomorrow")) {
      p_.dayOffset = 2, p_.anything = true, i_ += 3;
      return;
    }
    if (w == "yesterday") {
      p_.dayOffset = -1, p_.anything = true, ++i_;
      return;
    }
    if (w == "asap" || w == "soonest" || w == "earliest" || w == "anytime" ||
        (w == "as" && is(1, "soon") && is(2, "as") && is(3, "possible"))) {
      p_.range = {today_, today_ + days(13)}, p_.anything = true;
      i_ += w == "as" ? 4 : 1;
      return;
    }
    // "in 3 days", "in two weeks", "in a week"
    if (w == "in") {
      if (auto n = number(1, true);
          n && (is(1 + n->second, "days") || is(1 + n->second, "day") ||
                is(1 + n->second, "weeks") || is(1 + n->second, "week"))) {
        bool weeks = at(1 + n->second).substr(0, 4) == "week";
        p_.dayOffset = n->first * (weeks ? 7 : 1), p_.anything = true;
        i_ += 2 + n->second;
        return;
      }
      if (is(1, "the") && partOfDay(at(2))) {
        setWindow(*partOfDay(at(2)), true);
        i_ += 3;
        return;
      }
    }
    // "a week from Monday", "two weeks from today", "a week from tomorrow"
    if (auto n = number(0, true); n && (is(n->second, "week") || is(n->second, "weeks")) &&
                                  (is(n->second + 1, "from") || is(n->second + 1, "after"))) {
      size_t k = n->second + 2;
      if (is(k, "today") || is(k, "now"))
        p_.dayOffset = 7 * n->first;
      else if (is(k, "tomorrow"))
        p_.dayOffset = 7 * n->first + 1;
      else if (is(k, "next") && weekdayOf(at(k + 1))) {
        p_.weekday = weekdayOf(at(k + 1)), p_.extraWeeks = n->first, ++k;
      } else if (weekdayOf(at(k)))
        p_.weekday = weekdayOf(at(k)), p_.extraWeeks = n->first;
      else
        return;
      p_.anything = true;
      i_ += k + 1;
      return;
    }
    // this / next / coming / following + weekday | week | weekend | month | part of day
    if (w == "this" || w == "next" || w == "coming" || w == "following" || w == "upcoming") {
      const std::string& x = at(1);
      if (auto wd = weekdayOf(x)) {
        p_.weekday = wd;
        p_.weekMod = (w == "this" || w == "coming" || w == "upcoming") ? DateParts::WeekMod::This
                                                                       : DateParts::WeekMod::Next;
        p_.anything = true;
        i_ += 2;
        return;
      }
      if (x == "week" || x == "weekend" || x == "month") {
        bool next = w != "this";
        auto dow = date::weekday(today_).iso_encoding();  // Monday = 1
        local_days monday = today_ - days(dow - 1);
        if (x == "week")
          p_.range = next ? std::make_pair(monday + days(7), monday + days(13))
                          : std::make_pair(today_, monday + days(6));
        else if (x == "weekend") {
          local_days sat = monday + days(5);
          if (next && today_ < sat) sat += days(7);
          if (!next && today_ > sat + days(1)) sat += days(7);
          p_.range = {std::max(sat, today_), sat + days(1)};
        } else {
          date::year_month_day ymd(today_);
          auto ym = date::year_month(ymd.year(), ymd.month()) + date::months(next ? 1 : 0);
          local_days first = local_days(ym / 1), last = local_days(ym / date::last);
          p_.range = {std::max(first, today_), last};
        }
        p_.anything = true;
        i_ += 2;
        if (x == "week" && w == "next" && is(0, "after")) ++i_;
        return;
      }
      if (w == "this" && partOfDay(x)) {
        p_.dayOffset = p_.dayOffset.value_or(0);
        setWindow(*partOfDay(x), true);
        i_ += 2;
        return;
      }
      ++i_;
      return;
    }
    if (auto wd = weekdayOf(w)) {
      p_.weekday = wd, p_.anything = true, ++i_;
      if (is(0, "next") && is(1, "week"))
        p_.weekMod = DateParts::WeekMod::NextWeek, i_ += 2;
      else if (is(0, "after") && is(1, "next"))
        p_.weekMod = DateParts::WeekMod::AfterNext, i_ += 2;
      else if (is(0, "week"))
        p_.extraWeeks = 1, ++i_;  // "Monday week"
      return;
    }
    if (w == "weekend" || (w == "the" && is(1, "weekend"))) {
      auto dow = date::weekday(today_).iso_encoding();
      local_days sat = today_ - days(dow - 1) + days(5);
      if (today_ > sat + days(1)) sat += days(7);
      p_.range = {std::max(sat, today_), sat + days(1)}, p_.anything = true;
      i_ += w == "the" ? 2 : 1;
      return;
    }
    // month names: "January 7th", "Jan 7", "January the 7th", "January 7 2026"
    if (auto mo = monthOf(w); mo && !(w == "may" && !ordinal(1) && !number(1))) {
      size_t k = 1;
      if (is(k, "the")) ++k;
      std::optional<std::pair<int, size_t>> d = ordinal(k);
      if (!d) {
        auto n = number(k);
        if (n && n->first >= 1 && n->first <= 31 && !is(k + n->second, "pm") &&
            !is(k + n->second, "am") && !is(k + n->second, "oclock"))
          d = n;
      }
      p_.month = mo, p_.anything = true;
      if (d && d->first >= 1 && d->first <= 31) {
        p_.dayOfMonth = d->first;
        k += d->second;
      }
      if (auto y = toInt(at(k)); y && *y >= 2000 && *y <= 2100) p_.year = *y, ++k;
      i_ += k;
      return;
    }
    // ordinals: "the 15th", "15th of January", "the fifteenth"
    if (w == "the" && ordinal(1)) {
      ++i_;
      return step();
    }
    if (auto o = ordinal(0); o && o->first >= 1 && o->first <= 31) {
      p_.dayOfMonth = o->first, p_.anything = true;
      i_ += o->second;
      if (is(0, "of") && monthOf(at(1))) {
        p_.month = monthOf(at(1));
        i_ += 2;
        if (auto y = toInt(at(0)); y && *y >= 2000 && *y <= 2100) p_.year = *y, ++i_;
      }
      return;
    }
    // numeric dates: 1/7, 1/7/2026, 2026-01-07
    if (w.find('/') != std::string::npos || (w.size() == 10 && w[4] == '-' && w[7] == '-')) {
      std::vector<int> parts;
      std::string cur;
      for (char c : w + (w.find('/') != std::string::npos ? "/" : "-")) {
        if (c == '/' || c == '-') {
          if (auto v = toInt(cur))
            parts.push_back(*v);
          else
            return;
          cur.clear();
        } else
          cur += c;
      }
      if (w.find('-') != std::string::npos && parts.size() == 3)
        p_.year = parts[0], p_.month = static_cast<unsigned>(parts[1]), p_.dayOfMonth = parts[2];
      else if (parts.size() >= 2 && parts[0] >= 1 && parts[0] <= 12) {  // US order M/D[/Y]
        p_.month = static_cast<unsigned>(parts[0]), p_.dayOfMonth = parts[1];
        if (parts.size() == 3) p_.year = parts[2] < 100 ? 2000 + parts[2] : parts[2];
      } else
        return;
      p_.anything = true, ++i_;
      return;
    }
    if (auto pd = partOfDay(w)) {
      setWindow(*pd, true);
      ++i_;
      return;
    }
    if ((w == "early" || w == "late") && partOfDay(at(1))) {
      auto pd = *partOfDay(at(1));
      int mid = (pd.fromMinute + pd.toMinute) / 2;
      if (at(1) == "morning") mid = 10 * 60;
      setWindow(w == "early" ? TimeRange{pd.fromMinute, mid} : TimeRange{mid, pd.toMinute}, true);
      i_ += 2;
      return;
    }
    if (w == "after" || w == "before" || w == "from" || w == "between") {
      size_t save = i_;
      ++i_;
      auto a = readBoundary();
      if (!a) {
        i_ = save + 1;
        return;
      }
      if (w == "after")
        setWindow({*a, 24 * 60}, false);
      else if (w == "before")
        setWindow({0, *a}, false);
      else if (is(0, "and") || is(0, "to") || is(0, "till") || is(0, "until")) {
        ++i_;
        auto save2 = p_.window;
        auto b = readBoundary();
        if (b && *b < *a && *b < 12 * 60) *b += 12 * 60;  // "between 11 and 2"
        if (b && *b > *a)
          setWindow({*a, *b}, false);
        else
          p_.window = save2;
      } else if (w == "from") {
        p_.hour = *a / 60, p_.minute = *a % 60, p_.pm = *a >= 12 * 60, p_.anything = true;
      }
      return;
    }
    std::optional<int> h;
    int m = 0;
    std::optional<bool> pm;
    if (clockTime(h, m, pm)) {
      p_.hour = h, p_.minute = m, p_.pm = pm, p_.anything = true;
      return;
    }
    ++i_;
  }

  DatePhrase resolve() const { return resolveDateParts(p_, today_); }

  std::vector<std::string> t_;
  local_days today_;
  size_t i_ = 0;
  bool prevWasAt_ = false;
  DateParts p_;
};

}  // namespace

std::optional<TimeRange> partOfDay(std::string_view name) {
  if (name == "morning" || name == "mornings") return TimeRange{0, 12 * 60};
  if (name == "afternoon" || name == "afternoons") return TimeRange{12 * 60, 17 * 60};
  if (name == "evening" || name == "evenings" || name == "night")
    return TimeRange{17 * 60, 24 * 60};
  if (name == "lunch" || name == "lunchtime") return TimeRange{11 * 60 + 30, 13 * 60 + 30};
  return std::nullopt;
}

std::optional<SysSeconds> DateCandidate::instant(const date::time_zone* zone) const {
  if (!minute) return std::nullopt;
  return localToUtc(zone, firstDay, *minute);
}

std::string DateCandidate::describe() const {
  std::string s = speakableDay(firstDay);
  if (isRange()) s += " to " + speakableDay(lastDay);
  if (minute)
    s += " at " + speakableTime(*minute);
  else if (window != TimeRange{0, 24 * 60})
    s += ", between " + speakableTime(window.fromMinute) + " and " +
         speakableTime(window.toMinute % (24 * 60));
  return s;
}

DatePhrase parseDatePhrase(std::string_view phrase, date::local_days today) {
  try {
    return Parser(tokenize(phrase), today).run();
  } catch (...) {
    return {};  // never throws: a phrase we cannot read is simply not understood
  }
}

}  // namespace parley::tools
