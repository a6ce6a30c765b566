#include <date/tz.h>
#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "tools/time/TenantTime.hpp"

using namespace parley::tools;
using test::utc;

TEST_CASE("ISO and speakable forms carry the zone's offset on both sides of DST") {
  auto* ny = date::locate_zone("America/New_York");
  CHECK(toIsoLocal(ny, utc("2025-01-07 19:30")) == "2025-01-07T14:30:00-05:00");
  CHECK(toIsoLocal(ny, utc("2025-07-07 18:30")) == "2025-07-07T14:30:00-04:00");
  CHECK(speakable(ny, utc("2025-01-07 19:30")) == "Tuesday, January 7 at 2:30 PM");
  CHECK(speakable(ny, utc("2025-01-07 14:00")) == "Tuesday, January 7 at 9 AM");
  CHECK(speakable(ny, utc("2025-01-07 17:00")) == "Tuesday, January 7 at noon");
  CHECK(speakableTime(0) == "midnight");
  CHECK(speakableTime(13 * 60 + 5) == "1:05 PM");
}

TEST_CASE("local wall times map to instants; DST gaps have none, overlaps take the earlier") {
  auto* ny = date::locate_zone("America/New_York");
  auto springDay = date::local_days(date::year(2025) / 3 / 9);
  CHECK(localToUtc(ny, springDay, 60) == utc("2025-03-09 06:00"));
  CHECK_FALSE(localToUtc(ny, springDay, 150));  // 2:30 does not exist
  CHECK(localToUtc(ny, springDay, 180) == utc("2025-03-09 07:00"));
  auto fallDay = date::local_days(date::year(2025) / 11 / 2);
  CHECK(localToUtc(ny, fallDay, 90) == utc("2025-11-02 05:30"));  // first 1:30 (EDT)
  CHECK(localDay(ny, utc("2025-01-07 03:00")) == date::local_days(date::year(2025) / 1 / 6));
  CHECK(localMinuteOfDay(ny, utc("2025-01-07 03:00")) == 22 * 60);
}

TEST_CASE("ISO date-times parse with an offset, Z, or as local time") {
  auto* ny = date::locate_zone("America/New_York");
  CHECK(parseIsoDateTime(ny, "2025-01-07T14:30:00-05:00") == utc("2025-01-07 19:30"));
  CHECK(parseIsoDateTime(ny, "2025-01-07T19:30:00Z") == utc("2025-01-07 19:30"));
  CHECK(parseIsoDateTime(ny, "2025-01-07T14:30") == utc("2025-01-07 19:30"));
  CHECK(parseIsoDateTime(ny, "2025-01-07 14:30:00") == utc("2025-01-07 19:30"));
  CHECK(parseIsoDateTime(ny, "2025-01-07T14:30:00.250+01:00") == utc("2025-01-07 13:30"));
  CHECK_FALSE(parseIsoDateTime(ny, "2025-03-09T02:30"));  // DST gap
  CHECK_FALSE(parseIsoDateTime(ny, "2025-01-07"));
  CHECK_FALSE(parseIsoDateTime(ny, "2025-13-07T14:30"));
  CHECK_FALSE(parseIsoDateTime(ny, "2025-01-07T25:30"));
  CHECK_FALSE(parseIsoDateTime(ny, "2025-01-07T14:30+5"));
  CHECK_FALSE(parseIsoDateTime(ny, "tomorrow at two"));
  CHECK(parseIsoDate("2025-02-28"));
  CHECK_FALSE(parseIsoDate("2025-02-29"));
  CHECK(isoDate(date::local_days(date::year(2025) / 2 / 3)) == "2025-02-03");
}
