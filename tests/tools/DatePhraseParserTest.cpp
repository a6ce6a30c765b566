#include <date/tz.h>
#include <doctest/doctest.h>

#include <cstdio>

#include "tools/time/DatePhraseParser.hpp"

using namespace parley::tools;

namespace {

// Compact form of a parse: "2025-01-07 14:30", "2025-01-13..2025-01-19 [12:00-17:00]",
// "- 14:00" (no day said), candidates joined by " | ", "" when not understood.
std::string render(const DatePhrase& p) {
  auto hhmm = [](int m) {
    char b[16];
    std::snprintf(b, sizeof b, "%02d:%02d", m / 60, m % 60);
    return std::string(b);
  };
  std::string out;
  for (const auto& c : p.candidates) {
    if (!out.empty()) out += " | ";
    out += !c.hasDate    ? "-"
           : c.isRange() ? isoDate(c.firstDay) + ".." + isoDate(c.lastDay)
                         : isoDate(c.firstDay);
    if (c.minute) out += " " + hhmm(*c.minute);
    if (c.window != TimeRange{0, 24 * 60})
      out += " [" + hhmm(c.window.fromMinute) + "-" + hhmm(c.window.toMinute) + "]";
  }
  return out;
}

struct Row {
  const char* phrase;
  const char* expected;
};

// "Today" is Monday 2025-01-06 for every row.
const Row kTable[] = {
    {"today", "2025-01-06"},
    {"tomorrow", "2025-01-07"},
    {"Tomorrow.", "2025-01-07"},
    {"day after tomorrow", "2025-01-08"},
    {"the day after tomorrow", "2025-01-08"},
    {"yesterday", "2025-01-05"},
    {"tonight", "2025-01-06 [17:00-24:00]"},
    {"this afternoon", "2025-01-06 [12:00-17:00]"},
    {"this morning", "2025-01-06 [00:00-12:00]"},
    {"tomorrow morning", "2025-01-07 [00:00-12:00]"},
    {"tomorrow afternoon", "2025-01-07 [12:00-17:00]"},
    {"tomorrow evening", "2025-01-07 [17:00-24:00]"},
    {"tomorrow at 2pm", "2025-01-07 14:00"},
    {"tomorrow at 10", "2025-01-07 10:00"},
    {"monday", "2025-01-06 | 2025-01-13"},
    {"tuesday", "2025-01-07"},
    {"on wednesday", "2025-01-08"},
    {"Thursday", "2025-01-09"},
    {"friday", "2025-01-10"},
    {"saturday morning", "2025-01-11 [00:00-12:00]"},
    {"sunday", "2025-01-12"},
    {"this friday", "2025-01-10"},
    {"this Friday afternoon", "2025-01-10 [12:00-17:00]"},
    {"this monday", "2025-01-06"},
    {"next tuesday", "2025-01-07 | 2025-01-14"},
    {"next monday", "2025-01-13"},
    {"next friday", "2025-01-10 | 2025-01-17"},
    {"friday next week", "2025-01-17"},
    {"tuesday next week", "2025-01-14"},
    {"wednesday after next", "2025-01-22"},
    {"a week from monday", "2025-01-20"},
    {"a week from today", "2025-01-13"},
    {"a week from tomorrow", "2025-01-14"},
    {"two weeks from friday", "2025-01-24"},
    {"monday week", "2025-01-20"},
    {"in 3 days", "2025-01-09"},
    {"in two weeks", "2025-01-20"},
    {"in a week", "2025-01-13"},
    {"the 15th", "2025-01-15"},
    {"on the 3rd", "2025-02-03"},
    {"the fifteenth", "2025-01-15"},
    {"the twenty first", "2025-01-21"},
    {"the 31st", "2025-01-31"},
    {"January 7th", "2025-01-07"},
    {"jan 7", "2025-01-07"},
    {"January 7th at 2:30 pm", "2025-01-07 14:30"},
    {"7th of January", "2025-01-07"},
    {"the 7th of february", "2025-02-07"},
    {"February 3, 2026", "2026-02-03"},
    {"january 2nd", "2026-01-02"},
    {"march 15th", "2025-03-15"},
    {"february 30th", ""},
    {"1/7", "2025-01-07"},
    {"2/14/2025", "2025-02-14"},
    {"2025-01-09", "2025-01-09"},
    {"2pm", "- 14:00"},
    {"2 pm", "- 14:00"},
    {"2:30pm", "- 14:30"},
    {"14:30", "- 14:30"},
    {"12:30", "- 12:30"},
    {"10am", "- 10:00"},
    {"10 a.m.", "- 10:00"},
    {"two thirty", "- 14:30"},
    {"two forty five", "- 14:45"},
    {"ten fifteen", "- 10:15"},
    {"three oh five", "- 15:05"},
    {"half past three", "- 15:30"},
    {"quarter past two", "- 14:15"},
    {"a quarter past two", "- 14:15"},
    {"quarter to four", "- 15:45"},
    {"ten to four", "- 15:50"},
    {"twenty past eleven", "- 11:20"},
    {"noon", "- 12:00"},
    {"midnight", "- 00:00"},
    {"at noon tomorrow", "2025-01-07 12:00"},
    {"midday on friday", "2025-01-10 12:00"},
    {"three o'clock", "- 15:00"},
    {"at 9", "- 09:00"},
    {"at 7", "- 07:00"},
    {"at 5", "- 17:00"},
    {"in the morning", "- [00:00-12:00]"},
    {"in the afternoon", "- [12:00-17:00]"},
    {"morning", "- [00:00-12:00]"},
    {"three in the afternoon", "- 15:00"},
    {"nine in the morning", "- 09:00"},
    {"7:30 in the evening", "- 19:30"},
    {"tonight at 8", "2025-01-06 20:00"},
    {"tomorrow at half past nine", "2025-01-07 09:30"},
    {"lunchtime tomorrow", "2025-01-07 [11:30-13:30]"},
    {"early afternoon", "- [12:00-14:30]"},
    {"next week", "2025-01-13..2025-01-19"},
    {"this week", "2025-01-06..2025-01-12"},
    {"the weekend", "2025-01-11..2025-01-12"},
    {"this weekend", "2025-01-11..2025-01-12"},
    {"next month", "2025-02-01..2025-02-28"},
    {"sometime next week in the afternoon", "2025-01-13..2025-01-19 [12:00-17:00]"},
    {"after 3", "- [15:00-24:00]"},
    {"before noon", "- [00:00-12:00]"},
    {"between 2 and 4", "- [14:00-16:00]"},
    {"tuesday between 10 and 12", "2025-01-07 [10:00-12:00]"},
    {"Tuesday the 14th", "2025-01-14"},
    {"Wednesday the 14th", "2025-01-14 | 2025-01-08"},
    {"wednesday the fifteenth at ten thirty", "2025-01-15 10:30"},
    {"asap", "2025-01-06..2025-01-19"},
    {"as soon as possible", "2025-01-06..2025-01-19"},
    {"Thursday at 11:15", "2025-01-09 11:15"},
    {"friday at 4:45 pm", "2025-01-10 16:45"},
    {"tomorrow around 3ish", "2025-01-07 15:00"},
    {"how about 11 on friday", "2025-01-10 11:00"},
    {"next friday at 2pm", "2025-01-10 14:00 | 2025-01-17 14:00"},
    {"august 2010",
     "2010-08-01..2010-08-31"},  // found by DatePhraseFuzz: a past month stays as said
    {"in march", "2025-03-01..2025-03-31"},
    {"blue", ""},
    {"", ""},
};

}  // namespace

TEST_CASE("date phrase table (today = Monday 2025-01-06)") {
  const auto today = date::local_days(date::year(2025) / 1 / 6);
  static_assert(std::size(kTable) >= 80);
  for (const auto& row : kTable) {
    INFO("phrase: \"" << row.phrase << "\"");
    CHECK(render(parseDatePhrase(row.phrase, today)) == row.expected);
  }
}

TEST_CASE("ambiguity is reported, not guessed") {
  const auto today = date::local_days(date::year(2025) / 1 / 6);
  auto p = parseDatePhrase("next friday", today);
  CHECK(p.ambiguous());
  CHECK(p.candidates[0].describe() == "Friday, January 10");
  CHECK(p.candidates[1].describe() == "Friday, January 17");
  // Said on a Thursday, "next Tuesday" is clearly the coming one.
  auto thursday = date::local_days(date::year(2025) / 1 / 9);
  CHECK(render(parseDatePhrase("next tuesday", thursday)) == "2025-01-14");
}

TEST_CASE("candidates convert to instants in the tenant's zone and describe themselves") {
  auto* ny = date::locate_zone("America/New_York");
  const auto today = date::local_days(date::year(2025) / 3 / 8);
  auto p = parseDatePhrase("tomorrow at 3am", today);  // the DST change night: 3:00 exists
  REQUIRE(p.candidates.size() == 1);
  CHECK(p.candidates[0].instant(ny) ==
        date::sys_days(date::year(2025) / 3 / 9) + std::chrono::hours(7));
  CHECK_FALSE(parseDatePhrase("tomorrow at 2:30am", today).candidates[0].instant(ny));  // DST gap
  CHECK_FALSE(parseDatePhrase("tomorrow", today).candidates[0].instant(ny));
  CHECK(parseDatePhrase("tomorrow afternoon", today).candidates[0].describe() ==
        "Sunday, March 9, between noon and 5 PM");
  CHECK(parseDatePhrase("next week", today).candidates[0].describe() ==
        "Monday, March 10 to Sunday, March 16");
}

TEST_CASE("hostile phrases are bounded and never throw") {
  const auto today = date::local_days(date::year(2025) / 1 / 6);
  CHECK_NOTHROW(parseDatePhrase(std::string(100000, '9'), today));
  CHECK_NOTHROW(parseDatePhrase("the 99999999999999999999th", today));
  CHECK_NOTHROW(parseDatePhrase("at at at at : : / / -- 12/99/0", today));
  CHECK(parseDatePhrase("99:99", today).candidates.empty());
}
