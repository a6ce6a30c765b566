#include "tools/time/DateParts.hpp"

#include <algorithm>
#include <vector>

namespace parley::tools {
namespace {

using date::days;
using date::local_days;

/// The first `wd` (0 = Sunday) on or after `from` (after it unless includeToday).
local_days nextWeekday(local_days from, unsigned wd, bool includeToday) {
  auto cur = date::weekday(from).c_encoding();
  int delta = static_cast<int>((wd + 7 - cur) % 7);
  if (delta == 0 && !includeToday) delta = 7;
  return from + days(delta);
}

/// The day of month said, in the month and year said, else the next one not before today
/// (within 14 months); nullopt when it does not exist.
std::optional<local_days> dateFromParts(const DateParts& p, local_days today) {
  date::year_month_day t(today);
  int y = p.year ? *p.year : static_cast<int>(t.year());
  unsigned mo = p.month ? *p.month : static_cast<unsigned>(t.month());
  for (int attempt = 0; attempt < 14; ++attempt) {
    date::year_month_day ymd{date::year(y), date::month(mo),
                             date::day(static_cast<unsigned>(*p.dayOfMonth))};
    if (ymd.ok() && (p.year || local_days(ymd) >= today)) return local_days(ymd);
    if (p.year) return std::nullopt;
    if (p.month)
      ++y;
    else if (++mo > 12)
      mo = 1, ++y;
  }
  return std::nullopt;
}

}  // namespace

int hourTo24(int hour, std::optional<bool> pm, const std::optional<TimeRange>& window,
             bool windowIsPartOfDay) {
  if (pm) {
    if (*pm) return hour < 12 ? hour + 12 : hour;
    return hour == 12 ? 0 : hour;
  }
  if (hour > 12) return hour;
  if (windowIsPartOfDay && window) {
    if (window->fromMinute >= 12 * 60) return hour < 12 ? hour + 12 : hour;
    if (window->toMinute <= 12 * 60) return hour == 12 ? 12 : hour;
  }
  if (hour == 12) return 12;
  return hour >= 7 ? hour : hour + 12;  // business-day reading: 7–11 am, 1–6 pm
}

DatePhrase resolveDateParts(const DateParts& p, local_days today) {
  DatePhrase out;
  if (!p.anything) return out;
  std::vector<std::pair<local_days, local_days>> dayRanges;
  bool hasDate = true;
  auto monday = today - days(date::weekday(today).iso_encoding() - 1);
  if (p.dayOfMonth) {
    auto d = dateFromParts(p, today);
    if (!d) return out;
    dayRanges.push_back({*d, *d});
    if (p.weekday && date::weekday(*d).c_encoding() != *p.weekday) {
      auto w = nextWeekday(today, *p.weekday, true);
      dayRanges.push_back({w, w});
    }
  } else if (p.month) {
    date::year_month_day t(today);
    auto ym = date::year_month(t.year(), date::month(*p.month));
    if (p.year)
      ym = date::year_month(date::year(*p.year), date::month(*p.month));
    else if (local_days(ym / date::last) < today)
      ym += date::years(1);
    local_days first = local_days(ym / 1), last = local_days(ym / date::last);
    dayRanges.push_back({last < today ? first : std::max(first, today), last});  // past: as said
  } else if (p.weekday) {
    unsigned wd = *p.weekday;
    local_days d;
    switch (p.weekMod) {
      case DateParts::WeekMod::This: {
        d = nextWeekday(today, wd, true);
        dayRanges.push_back({d, d});
        break;
      }
      case DateParts::WeekMod::Next: {
        d = nextWeekday(today, wd, false);
        dayRanges.push_back({d, d});
        if (d < monday + days(7)) dayRanges.push_back({d + days(7), d + days(7)});
        break;
      }
      case DateParts::WeekMod::NextWeek: {
        d = monday + days(7) + days((wd + 6) % 7);
        dayRanges.push_back({d, d});
        break;
      }
      case DateParts::WeekMod::AfterNext: {
        d = monday + days(14) + days((wd + 6) % 7);
        dayRanges.push_back({d, d});
        break;
      }
      case DateParts::WeekMod::None: {
        if (p.extraWeeks) {
          d = nextWeekday(today, wd, false) + days(7 * *p.extraWeeks);
          dayRanges.push_back({d, d});
        } else if (date::weekday(today).c_encoding() == wd) {
          dayRanges.push_back({today, today});
          dayRanges.push_back({today + days(7), today + days(7)});
        } else {
          d = nextWeekday(today, wd, false);
          dayRanges.push_back({d, d});
        }
        break;
      }
    }
  } else if (p.dayOffset) {
    auto d = today + days(*p.dayOffset);
    dayRanges.push_back({d, d});
  } else if (p.range) {
    dayRanges.push_back(*p.range);
  } else {
    hasDate = false;
    dayRanges.push_back({today, today});
  }
  std::optional<int> minute;
  if (p.hour) minute = hourTo24(*p.hour, p.pm, p.window, p.windowIsPartOfDay) * 60 + p.minute;
  for (const auto& [from, to] : dayRanges) {
    DateCandidate c;
    c.firstDay = from;
    c.lastDay = to;
    c.hasDate = hasDate;
    c.minute = minute;
    if (p.window && !minute) c.window = *p.window;
    out.candidates.push_back(c);
  }
  return out;
}

}  // namespace parley::tools
