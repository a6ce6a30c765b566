#include "tools/booking/SlotFinder.hpp"

#include <algorithm>
#include <map>

namespace parley::tools {

using std::chrono::minutes;

namespace {

// End instant of a local working range; a range ending inside a DST gap ends at the gap.
SysSeconds rangeEnd(const date::time_zone* zone, date::local_days day, int toMinute) {
  for (int m = toMinute; m >= 0; --m)
    if (auto t = localToUtc(zone, day, m)) return *t + minutes(toMinute - m);
  return SysSeconds{};
}

bool overlapsBusy(const std::vector<BusyInterval>& busy, const std::string& staff, SysSeconds start,
                  SysSeconds blockEnd) {
  for (const auto& b : busy)
    if (b.staffId == staff && b.start < blockEnd && b.blockEnd > start) return true;
  return false;
}

}  // namespace

std::vector<Slot> freeSlots(const Tenant& tenant, const SlotQuery& q,
                            const std::vector<BusyInterval>& busy) {
  std::vector<Slot> out;
  if (q.service == nullptr || q.staff.empty() || q.maxSlots == 0) return out;
  const auto step = static_cast<int>(tenant.booking.slotStep.count());
  const SysSeconds earliest = q.now + tenant.booking.minLead;
  const SysSeconds latest = q.now + date::days(tenant.booking.maxDaysAhead);
  auto last = std::min(q.toDay, q.fromDay + date::days(kMaxSearchDays - 1));
  std::map<SysSeconds, Slot> byStart;  // merged across staff, ordered
  for (auto day = q.fromDay; day <= last; day += date::days(1)) {
    for (const StaffMember* who : q.staff) {
      if (!who->performs(q.service->id)) continue;
      for (const TimeRange& r : tenant.staffHours(*who, day)) {
        SysSeconds end = rangeEnd(tenant.zone, day, r.toMinute);
        int first = (r.fromMinute + step - 1) / step * step;
        for (int m = std::max(first, 0); m < r.toMinute; m += step) {
          if (m < q.window.fromMinute || m >= q.window.toMinute) continue;
          auto start = localToUtc(tenant.zone, day, m);
          if (!start) continue;  // DST gap
          if (*start + q.service->duration > end) break;
          if (*start < earliest || *start > latest) continue;
          if (byStart.count(*start) != 0) continue;  // an earlier-preferred staff has it
          if (overlapsBusy(busy, who->id, *start,
                           *start + q.service->duration + q.service->bufferAfter))
            continue;
          byStart.emplace(*start, Slot{*start, *start + q.service->duration, who->id});
          if (byStart.size() >= kMaxCandidateSlots) break;
        }
      }
    }
    // Earliest-first: once a whole day is done with enough slots, later days cannot come first.
    if (!q.near && byStart.size() >= q.maxSlots) break;
    if (byStart.size() >= kMaxCandidateSlots) break;
  }
  // byStart keeps the first staff found per instant, but staff are scanned per day in preference
  // order, so a later staff member never displaces an earlier one at the same instant.
  for (auto& [t, s] : byStart) out.push_back(s);
  if (q.near) {
    auto target = *q.near;
    std::stable_sort(out.begin(), out.end(), [&](const Slot& a, const Slot& b) {
      auto da = a.start > target ? a.start - target : target - a.start;
      auto db = b.start > target ? b.start - target : target - b.start;
      return da < db;
    });
  }
  if (out.size() > q.maxSlots) out.resize(q.maxSlots);
  return out;
}

std::optional<std::string> outsideBookableHours(const Tenant& tenant, const Service& service,
                                                const StaffMember& staff, SysSeconds start,
                                                SysSeconds now) {
  if (!staff.performs(service.id)) return staff.name + " does not do " + service.name;
  if (start < now + tenant.booking.minLead)
    return start < now ? "that time is in the past"
                       : "appointments must be booked at least " +
                             std::to_string(tenant.booking.minLead.count()) + " minutes ahead";
  if (start > now + date::days(tenant.booking.maxDaysAhead))
    return "we only book up to " + std::to_string(tenant.booking.maxDaysAhead) + " days ahead";
  auto day = localDay(tenant.zone, start);
  auto ranges = tenant.staffHours(staff, day);
  if (tenant.openHours(day).empty()) return "we are closed on " + speakableDay(day);
  for (const auto& r : ranges) {
    auto from = localToUtc(tenant.zone, day, r.fromMinute);
    if (from && start >= *from &&
        start + service.duration <= rangeEnd(tenant.zone, day, r.toMinute))
      return std::nullopt;
  }
  if (ranges.empty()) return staff.name + " does not work on " + speakableDay(day);
  return "that is outside " + staff.name + "'s hours on " + speakableDay(day);
}

std::vector<Slot> SlotFinder::find(const SlotQuery& query) const {
  if (query.service == nullptr || query.staff.empty()) return {};
  auto last = std::min(query.toDay, query.fromDay + date::days(kMaxSearchDays - 1));
  // Busy spans over the searched days, with a day of margin on each side for zone offsets.
  SysSeconds from = date::sys_days((query.fromDay - date::days(1)).time_since_epoch());
  SysSeconds to = date::sys_days((last + date::days(2)).time_since_epoch());
  std::vector<std::string> ids;
  for (const auto* s : query.staff) ids.push_back(s->id);
  return freeSlots(tenant_, query, store_.busy(tenant_.id, ids, from, to));
}

}  // namespace parley::tools
