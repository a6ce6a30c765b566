#pragma once
// Natural-language dates and times as callers say them and as speech-to-text writes them
// ("tomorrow", "next Tuesday", "this Friday afternoon", "the 15th", "January 7th", "2pm",
// "two thirty", "half past three", "noon", "in the morning", "a week from Monday"), relative to
// "today" in the tenant's zone. Used by the local booking policy and to accept lenient tool
// arguments. A phrase that can mean two days returns both as candidates instead of a guess.
//
// Rules where speech is vague, chosen for booking calls (documented so tests pin them down):
// * An hour without am/pm: 7–11 → morning, 12 → noon, 1–6 → afternoon; a part of day said with
//   it ("three in the afternoon", "tonight at 8") decides instead.
// * A weekday alone means its next occurrence after today; said on that same weekday it is
//   ambiguous (today or in a week). "this Friday" is the one in the current week (today if
//   today is Friday). "next Friday" said when that Friday is still in the current week (weeks
//   start Monday) is ambiguous: that Friday, or the one after.
// * A date without a year ("January 7th", "the 15th") is the next one not before today.
// * Words not understood are ignored; if nothing is understood, there are no candidates.
#include <date/date.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/Tenant.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::tools {

/// Phrases longer than this are cut: an utterance about a date is short; bounds the work.
constexpr size_t kMaxDatePhraseChars = 200;

/// One reading of a phrase: a day or a range of days, and an exact time or a time-of-day window.
struct DateCandidate {
  date::local_days firstDay{};   ///< today if no day was said
  date::local_days lastDay{};    ///< == firstDay unless a range ("next week")
  bool hasDate = false;          ///< a day or range was said
  std::optional<int> minute;     ///< exact time, minutes after local midnight
  TimeRange window{0, 24 * 60};  ///< allowed start times when no exact time ("afternoon")

  bool hasTime() const { return minute.has_value(); }
  bool isRange() const { return lastDay != firstDay; }
  /// The instant of firstDay + minute in `zone` (nullopt without a time or inside a DST gap).
  std::optional<SysSeconds> instant(const date::time_zone* zone) const;
  /// "Tuesday, January 7 at 2:30 PM", "Tuesday, January 7, afternoon", "January 6 to January 12".
  std::string describe() const;
  bool operator==(const DateCandidate&) const = default;
};

struct DatePhrase {
  std::vector<DateCandidate> candidates;  ///< empty = not understood; > 1 = ambiguous
  bool understood() const { return !candidates.empty(); }
  bool ambiguous() const { return candidates.size() > 1; }
};

/// Parses `phrase` relative to `today` (the tenant's local date). Never throws.
DatePhrase parseDatePhrase(std::string_view phrase, date::local_days today);

/// Time-of-day windows named by callers, local minutes: morning [0, 12:00), afternoon
/// [12:00, 17:00), evening [17:00, 24:00).
std::optional<TimeRange> partOfDay(std::string_view name);

}  // namespace parley::tools
