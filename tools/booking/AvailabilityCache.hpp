#pragma once
// A short-lived cache of the booking store's busy spans, the data every check_availability (and
// every slot_taken "alternatives" list) reads (issue 10, DESIGN.md §7, §8). Entries are per
// tenant / staff member / UTC day and live `ttl`; every book, cancel, reschedule and status change
// drops the entries it touches (CachingBookingStore calls changed()), and with a fleet link the
// change is published to the other workers, which drop theirs (applyRemote()).
//
// Why the store's busy spans and not the tool's JSON answer: the answer also depends on "now"
// (lead time, past slots), the phrase the caller used and the requested window, so two callers
// rarely ask the identical question, while they ask about the same staff and days all the time.
// The spans are the only part that changes with bookings and the only part that costs I/O.
//
// Correctness never depends on the cache: a booking re-checks the slot inside the store's
// transaction (SqliteBookingStore), so a stale entry can at worst offer a slot that book then
// answers with slot_taken (which also drops the stale entries). Staleness is bounded by `ttl`
// even if a fleet message is lost; in fleet mode hits are served only while the link is live
// (subscribed), and going live again clears everything (messages may have been missed).
//
// Thread-safe: tools run on libuv thread-pool threads, several at once. One mutex guards the map;
// the store is read outside it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/Clock.hpp"
#include "core/Metrics.hpp"
#include "tools/booking/BookingStore.hpp"

namespace parley::tools {

/// What a write changed: some days of one staff member of a tenant. Empty `staffId` = every staff
/// member; empty `days` = every day. Days are UTC days since 1970-01-01.
struct AvailabilityChange {
  std::string tenant;
  std::string staffId;
  std::vector<int64_t> days;

  /// Compact JSON for the fleet channel: {"t":tenant,"s":staff,"d":[days],"o":origin}.
  std::string toJson(const std::string& origin) const;
  /// Parses toJson() output; nullopt for anything else (bounded: at most kMaxChangeDays days).
  /// `origin` (optional) receives the publishing worker's id.
  static std::optional<AvailabilityChange> fromJson(std::string_view text,
                                                    std::string* origin = nullptr);
};

/// A change message names at most this many days (a reschedule touches two blocks of ≤ 12 h).
constexpr size_t kMaxChangeDays = 16;

/// The UTC day (days since 1970-01-01) that contains `t`.
int64_t utcDay(StoreTime t);

/// Carries changes to the other workers (agent/fleet/AvailabilityFeed: Redis pub/sub).
class AvailabilityFleetLink {
 public:
  virtual ~AvailabilityFleetLink() = default;
  /// Best effort, asynchronous; any thread. Must not call back into the cache synchronously.
  virtual void publish(const AvailabilityChange& change) = 0;
};

struct AvailabilityCacheSettings {
  /// How long an entry is served; 0 disables the cache. Bounds staleness when a fleet message is
  /// lost. 30 s: a caller's whole availability dialogue reuses one read, and a slot another
  /// worker booked without us hearing of it is offered for at most half a minute.
  std::chrono::milliseconds ttl{30'000};
  /// Most entries kept (one per tenant/staff/day, ~100 bytes + spans): bounds memory.
  size_t maxEntries = 50'000;
};

class AvailabilityCache {
 public:
  /// Reads busy spans of `staffIds` in [from, to) from the store (BookingStore::busy).
  using Loader = std::function<std::vector<BusyInterval>(const std::vector<std::string>& staffIds,
                                                         StoreTime from, StoreTime to)>;

  /// `clock` (monotonic part) ages entries; it must outlive the cache. Metrics:
  /// parley_availability_cache_lookups_total{result="hit"|"miss"|"bypass"},
  /// parley_availability_cache_invalidations_total{source="local"|"fleet"}.
  AvailabilityCache(AvailabilityCacheSettings settings, const core::Clock& clock,
                    core::MetricsRegistry& metrics = core::MetricsRegistry::global());

  /// Busy spans of `staffIds` that intersect [from, to), by start, as BookingStore::busy answers:
  /// from the cache when every (staff, day) is fresh, else from one `load` over the whole UTC days
  /// (whose answer is then cached). Throws what `load` throws (StoreError); nothing is cached then.
  std::vector<BusyInterval> busy(const std::string& tenant,
                                 const std::vector<std::string>& staffIds, StoreTime from,
                                 StoreTime to, const Loader& load);

  /// A write of this worker committed (or may have): drops the entries it touches, stops reads
  /// in flight for that tenant from caching what they read, and publishes it to the fleet.
  void changed(const AvailabilityChange& change);
  /// A change published by another worker: drops entries (not re-published).
  void applyRemote(const AvailabilityChange& change);

  /// Fleet mode: from now on hits are served only while the link is live (setFleetLive(true)).
  /// The link is kept (shared) until detachFleet(). Any thread.
  void attachFleet(std::shared_ptr<AvailabilityFleetLink> link);
  /// Back to a single worker (the link is released; changes are no longer published).
  void detachFleet();
  /// The link's subscription is up (true) or down (false). Every transition clears the cache:
  /// changes published while it was down never reached us.
  void setFleetLive(bool live);

  /// Entries held now (tests, debugging).
  size_t size() const;
  /// True when hits may be served: alone, or attached with a live link.
  bool serving() const;
  const AvailabilityCacheSettings& settings() const { return settings_; }

 private:
  using Key = std::tuple<std::string, std::string, int64_t>;  // tenant, staff, UTC day
  struct Entry {
    std::vector<BusyInterval> busy;  ///< spans of that staff intersecting that day, by start
    int64_t fetchedMs = 0;           ///< monotonic ms
  };
  void drop(const AvailabilityChange& change);  // mutex held
  void makeRoom(int64_t nowMs);                 // mutex held

  AvailabilityCacheSettings settings_;
  const core::Clock& clock_;
  core::Counter& hits_;
  core::Counter& misses_;
  core::Counter& bypassed_;
  core::Counter& localChanges_;
  core::Counter& fleetChanges_;

  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  std::map<std::string, uint64_t> epochs_;  ///< per tenant, bumped by every change
  uint64_t resets_ = 0;                     ///< bumped by every clear (fleet link up/down)
  std::shared_ptr<AvailabilityFleetLink> link_;
  bool fleet_ = false;      ///< attached: hits need a live link
  bool fleetLive_ = false;  ///< the link's subscription is up
};

}  // namespace parley::tools
