#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "tools/booking/SlotFinder.hpp"

using namespace parley::tools;
using date::local_days;
using test::utc;

namespace {

local_days day(int y, unsigned m, unsigned d) {
  return local_days(date::year(y) / m / d);
}

SlotQuery query(const Tenant& t, const char* service, local_days d, std::chrono::sys_seconds now,
                std::vector<const char*> staff = {}) {
  SlotQuery q;
  q.service = t.findService(service);
  for (const auto& s : t.staff)
    if (s.performs(q.service->id) &&
        (staff.empty() || std::find(staff.begin(), staff.end(), s.id) != staff.end()))
      q.staff.push_back(&s);
  q.fromDay = q.toDay = d;
  q.now = now;
  q.maxSlots = 100;
  return q;
}

std::vector<std::string> starts(const Tenant& t, const std::vector<Slot>& slots) {
  std::vector<std::string> out;
  for (const auto& s : slots)
    out.push_back(toIsoLocal(t.zone, s.start).substr(11, 5) + " " + s.staffId);
  return out;
}

const char* kNightOwl = R"(id: night
display_name: Night Owl
time_zone: America/New_York
hours:
  sunday: "00:00-05:00"
services:
  - id: hour
    duration_minutes: 60
staff:
  - id: owl
    name: Owl
    services: [hour]
booking:
  slot_step_minutes: 30
  min_lead_minutes: 0
)";

}  // namespace

TEST_CASE("slots on an ordinary day: hours, step, service must end by closing") {
  auto t = test::demoTenant();
  // Saturday: 9–13, Lee off; whitening (90 min) only with Rivera; last start 11:30.
  auto q = query(*t, "whitening", day(2025, 1, 11), utc("2025-01-01 12:00"));
  auto s = freeSlots(*t, q, {});
  REQUIRE(!s.empty());
  CHECK(starts(*t, s).front() == "09:00 rivera");
  CHECK(starts(*t, s).back() == "11:30 rivera");
  CHECK(s.size() == 11);
  CHECK(toIsoLocal(t->zone, s[0].start) == "2025-01-11T09:00:00-05:00");
  CHECK(s[0].end - s[0].start == std::chrono::minutes(90));
}

TEST_CASE("staff hours: Lee does not work Saturdays, Haddad does") {
  auto t = test::demoTenant();
  auto q = query(*t, "checkup", day(2025, 1, 11), utc("2025-01-01 12:00"), {"lee"});
  CHECK(freeSlots(*t, q, {}).empty());
  q = query(*t, "checkup", day(2025, 1, 11), utc("2025-01-01 12:00"));
  auto s = freeSlots(*t, q, {});
  REQUIRE(!s.empty());
  for (const auto& slot : s) CHECK(slot.staffId == "haddad");
  // On a weekday both do checkups; the first in tenant order (Lee) is offered at each time.
  q = query(*t, "checkup", day(2025, 1, 8), utc("2025-01-01 12:00"));
  s = freeSlots(*t, q, {});
  CHECK(s.front().staffId == "lee");
}

TEST_CASE("closed weekday and closed date have no slots") {
  auto t = test::demoTenant();
  CHECK(freeSlots(*t, query(*t, "checkup", day(2025, 1, 12), utc("2025-01-01 12:00")), {}).empty());
  CHECK(
      freeSlots(*t, query(*t, "checkup", day(2025, 12, 25), utc("2025-12-01 12:00")), {}).empty());
  CHECK(
      !freeSlots(*t, query(*t, "checkup", day(2025, 12, 26), utc("2025-12-01 12:00")), {}).empty());
}

TEST_CASE("buffers: a booked block with its buffer hides overlapping starts") {
  auto t = test::demoTenant();
  // Lee has a checkup 9:00–9:30 + 10 min buffer → busy until 9:40.
  std::vector<BusyInterval> busy{{"lee", utc("2025-01-08 14:00"), utc("2025-01-08 14:40")}};
  auto q = query(*t, "checkup", day(2025, 1, 8), utc("2025-01-01 12:00"), {"lee"});
  auto s = starts(*t, freeSlots(*t, q, busy));
  CHECK(s[0] == "09:45 lee");
  // A new checkup at 8:?? cannot exist; one ending right before the block plus its own buffer:
  // a block at 10:00 means 9:15 (ends 9:45 + 10 = 9:55 ≤ 10:00) fits but 9:30 does not.
  busy = {{"lee", utc("2025-01-08 15:00"), utc("2025-01-08 15:40")}};
  s = starts(*t, freeSlots(*t, q, busy));
  CHECK(std::find(s.begin(), s.end(), "09:15 lee") != s.end());
  CHECK(std::find(s.begin(), s.end(), "09:30 lee") == s.end());
  CHECK(std::find(s.begin(), s.end(), "10:00 lee") == s.end());
  CHECK(std::find(s.begin(), s.end(), "10:45 lee") != s.end());
  // Another staff member's bookings do not matter.
  busy = {{"haddad", utc("2025-01-08 14:00"), utc("2025-01-08 22:00")}};
  CHECK(starts(*t, freeSlots(*t, q, busy))[0] == "09:00 lee");
}

TEST_CASE("lead time and the past: nothing before now + min lead") {
  auto t = test::demoTenant();
  auto q = query(*t, "checkup", day(2025, 1, 6), test::mondayTen());  // now Monday 10:00
  CHECK(starts(*t, freeSlots(*t, q, {}))[0] == "11:00 lee");
  q.now = test::mondayTen() + std::chrono::minutes(5);
  CHECK(starts(*t, freeSlots(*t, q, {}))[0] == "11:15 lee");
  q.now = utc("2025-01-06 21:30");  // 16:30: nothing left today
  CHECK(freeSlots(*t, q, {}).empty());
  q.now = utc("2025-01-07 12:00");  // the day is in the past
  CHECK(freeSlots(*t, q, {}).empty());
}

TEST_CASE("DST change days: spring forward skips the missing hour, fall back keeps real time") {
  auto t = loadTenantText(kNightOwl, "night.yaml");
  auto q = query(t, "hour", day(2025, 3, 9), utc("2025-03-01 00:00"));
  auto s = freeSlots(t, q, {});
  std::vector<std::string> got;
  for (const auto& slot : s) got.push_back(date::format("%H:%M", slot.start));
  CHECK(got ==
        std::vector<std::string>{"05:00", "05:30", "06:00", "06:30", "07:00", "07:30", "08:00"});
  CHECK(toIsoLocal(t.zone, s[4].start) == "2025-03-09T03:00:00-04:00");

  q = query(t, "hour", day(2025, 11, 2), utc("2025-10-01 00:00"));
  s = freeSlots(t, q, {});
  got.clear();
  for (const auto& slot : s) got.push_back(date::format("%H:%M", slot.start));
  CHECK(got == std::vector<std::string>{"04:00", "04:30", "05:00", "05:30", "07:00", "07:30",
                                        "08:00", "08:30", "09:00"});

  // The demo clinic's 9:00 opening is 14:00Z before and 13:00Z after the change.
  auto demo = test::demoTenant();
  auto before =
      freeSlots(*demo, query(*demo, "checkup", day(2025, 3, 7), utc("2025-03-01 00:00")), {});
  auto after =
      freeSlots(*demo, query(*demo, "checkup", day(2025, 3, 10), utc("2025-03-01 00:00")), {});
  CHECK(before[0].start == utc("2025-03-07 14:00"));
  CHECK(after[0].start == utc("2025-03-10 13:00"));
}

TEST_CASE("ranges, windows, max results and nearest-first") {
  auto t = test::demoTenant();
  auto q = query(*t, "cleaning", day(2025, 1, 6), test::mondayTen());
  q.toDay = day(2025, 1, 10);
  q.maxSlots = 3;
  q.window = {12 * 60, 17 * 60};
  auto s = starts(*t, freeSlots(*t, q, {}));
  CHECK(s == std::vector<std::string>{"12:00 rivera", "12:15 rivera", "12:30 rivera"});
  q.window = {0, 24 * 60};
  q.near = utc("2025-01-08 19:00");  // Wednesday 14:00
  auto n = freeSlots(*t, q, {});
  CHECK(toIsoLocal(t->zone, n[0].start) == "2025-01-08T14:00:00-05:00");
  CHECK(n.size() == 3);
}

TEST_CASE("bookable-hours check explains why a time is refused") {
  auto t = test::demoTenant();
  const auto& lee = *t->findStaff("lee");
  const auto& checkup = *t->findService("checkup");
  auto now = test::mondayTen();
  CHECK_FALSE(outsideBookableHours(*t, checkup, lee, utc("2025-01-07 14:00"), now));
  CHECK(outsideBookableHours(*t, checkup, lee, utc("2025-01-06 15:30"), now)->find("60 minutes") !=
        std::string::npos);
  CHECK(outsideBookableHours(*t, checkup, lee, utc("2025-01-05 15:30"), now)->find("past") !=
        std::string::npos);
  CHECK(outsideBookableHours(*t, checkup, lee, utc("2025-01-12 15:00"), now)->find("closed") !=
        std::string::npos);
  CHECK(
      outsideBookableHours(*t, checkup, lee, utc("2025-01-11 15:00"), now)->find("does not work") !=
      std::string::npos);
  CHECK(outsideBookableHours(*t, checkup, lee, utc("2025-01-07 21:45"), now)->find("outside") !=
        std::string::npos);
  CHECK(outsideBookableHours(*t, checkup, lee, utc("2025-06-07 14:00"), now)->find("days ahead") !=
        std::string::npos);
  CHECK(outsideBookableHours(*t, *t->findService("cleaning"), lee, utc("2025-01-07 14:00"), now));
}
