#pragma once
// What a date phrase said, word by word (DateParts, filled by DatePhraseParser.cpp), and the
// calendar days and times it means relative to today (resolveDateParts): the rules of
// DatePhraseParser.hpp for vague speech are applied here.
#include <date/date.h>

#include <optional>
#include <utility>

#include "tools/time/DatePhraseParser.hpp"

namespace parley::tools {

/// The pieces of one phrase, as said; nothing resolved against a calendar yet.
struct DateParts {
  std::optional<int> dayOffset;  ///< today + n days ("tomorrow", "in three days")
  std::optional<unsigned> weekday;
  enum class WeekMod { None, This, Next, NextWeek, AfterNext } weekMod = WeekMod::None;
  std::optional<int> extraWeeks;  ///< "a week from Monday"
  std::optional<unsigned> month;
  std::optional<int> dayOfMonth;
  std::optional<int> year;
  std::optional<std::pair<date::local_days, date::local_days>> range;
  std::optional<int> hour;  ///< as said: 1–12 (see pm) or 0–23
  int minute = 0;
  std::optional<bool> pm;
  std::optional<TimeRange> window;  ///< "afternoon", "after 3", "between 2 and 4"
  bool windowIsPartOfDay = false;   ///< the window is a part of day (it decides am/pm)
  bool anything = false;            ///< some word was understood
};

/// A spoken hour as 0–23: am/pm when said, else the part of day said with it ("three in the
/// afternoon"), else the business-day reading (7–11 am, 12 noon, 1–6 pm). Hours above 12 stay.
int hourTo24(int hour, std::optional<bool> pm, const std::optional<TimeRange>& window,
             bool windowIsPartOfDay);

/// The candidates `parts` can mean relative to `today` (the tenant's local date): one per
/// possible day or range, each with the exact time or the window said. None when nothing was
/// understood or the date does not exist ("February 30th"). Never throws.
DatePhrase resolveDateParts(const DateParts& parts, date::local_days today);

}  // namespace parley::tools
