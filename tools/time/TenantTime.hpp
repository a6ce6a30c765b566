#pragma once
// Local time in a tenant's zone, on Howard Hinnant's date/tz with the system tzdata (IANA).
// All instants are UTC `sys_seconds`; local wall times are `local_days` + minutes. DST gaps and
// overlaps are handled explicitly: a wall time that does not exist (spring forward) has no
// instant; one that happens twice (fall back) maps to the earlier instant.
#include <date/date.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace parley::tools {

using SysSeconds = date::sys_seconds;

/// The UTC instant of local `day` + `minuteOfDay` in `zone`; nullopt inside a DST gap.
std::optional<SysSeconds> localToUtc(const date::time_zone* zone, date::local_days day,
                                     int minuteOfDay);

/// The local calendar day of an instant in `zone`.
date::local_days localDay(const date::time_zone* zone, SysSeconds t);

/// Minutes after local midnight of an instant in `zone` (0 … 1439).
int localMinuteOfDay(const date::time_zone* zone, SysSeconds t);

/// RFC 3339 with the zone's offset, e.g. "2025-01-07T14:30:00-05:00".
std::string toIsoLocal(const date::time_zone* zone, SysSeconds t);

/// The way the agent says it: "Tuesday, January 7 at 2:30 PM" ("at 2 PM" on the hour).
std::string speakable(const date::time_zone* zone, SysSeconds t);

/// "Tuesday, January 7" for a local day.
std::string speakableDay(date::local_days day);

/// "2:30 PM" / "noon" for minutes after midnight.
std::string speakableTime(int minuteOfDay);

/// Parses an ISO 8601 / RFC 3339 date-time: "2025-01-07T14:30:00-05:00", "…Z", or without an
/// offset ("2025-01-07T14:30", "2025-01-07 14:30:00"), which is read as local time in `zone`.
/// Returns nullopt on anything else or a local time inside a DST gap.
std::optional<SysSeconds> parseIsoDateTime(const date::time_zone* zone, std::string_view text);

/// Parses "YYYY-MM-DD"; nullopt otherwise.
std::optional<date::local_days> parseIsoDate(std::string_view text);

/// "YYYY-MM-DD".
std::string isoDate(date::local_days day);

}  // namespace parley::tools
