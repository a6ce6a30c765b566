#pragma once
// Free appointment slots: business hours ∩ staff hours, minus booked blocks (with buffers),
// minus the minimum lead time, on the tenant's local calendar (DST-correct via TenantTime).
#include <optional>
#include <string>
#include <vector>

#include "tools/Tenant.hpp"
#include "tools/booking/BookingStore.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::tools {

/// An availability query can span at most this many days: bounds work per tool call.
constexpr int kMaxSearchDays = 31;
/// Candidate slots kept when ranking alternatives by distance; bounds memory per query.
constexpr size_t kMaxCandidateSlots = 2000;

struct SlotQuery {
  const Service* service = nullptr;
  std::vector<const StaffMember*> staff;  ///< who may take it, by preference; all must perform it
  date::local_days fromDay{};             ///< first local day searched
  date::local_days toDay{};               ///< last local day searched (inclusive)
  TimeRange window{0, 24 * 60};           ///< start times allowed, local minutes [from, to)
  SysSeconds now{};
  size_t maxSlots = 5;
  /// If set, return the slots nearest to this instant (nearest first) instead of earliest first.
  std::optional<SysSeconds> near;
};

/// A bookable start with the staff member who would take it.
struct Slot {
  SysSeconds start{};
  SysSeconds end{};  ///< start + service duration (buffer excluded)
  std::string staffId;
};

/// Pure slot generation from known busy intervals (tests use this directly). Start times are
/// multiples of the tenant's slot step in local wall time; a start that falls in a DST gap is
/// skipped. The service must end by the end of the working range; its buffer may run past it.
/// Slots at the same instant are merged, keeping the first staff member in `query.staff` order.
std::vector<Slot> freeSlots(const Tenant& tenant, const SlotQuery& query,
                            const std::vector<BusyInterval>& busy);

/// Why `staff` cannot take `service` at `start` ignoring other bookings (outside hours, closed,
/// too soon, too far ahead), or nullopt if it can. Used to validate a requested booking time.
std::optional<std::string> outsideBookableHours(const Tenant& tenant, const Service& service,
                                                const StaffMember& staff, SysSeconds start,
                                                SysSeconds now);

/// freeSlots() over the busy intervals read from a store.
class SlotFinder {
 public:
  /// Keeps references; both must outlive the finder.
  SlotFinder(const Tenant& tenant, BookingStore& store) : tenant_(tenant), store_(store) {}
  /// Throws StoreError if the store fails.
  std::vector<Slot> find(const SlotQuery& query) const;

 private:
  const Tenant& tenant_;
  BookingStore& store_;
};

}  // namespace parley::tools
