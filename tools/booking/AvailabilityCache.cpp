#include "tools/booking/AvailabilityCache.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace parley::tools {
namespace {

constexpr int64_t kDaySeconds = 86'400;
/// A lookup spanning more (staff × days) units than this goes straight to the store: a query
/// that wide is rare (an operator listing) and would flood the cache. check_availability reads
/// at most kMaxSearchDays + 3 days of a few staff members.
constexpr size_t kMaxUnitsPerLookup = 2'000;

StoreTime dayStart(int64_t day) {
  return StoreTime{std::chrono::seconds{day * kDaySeconds}};
}

bool intersects(const BusyInterval& b, StoreTime from, StoreTime to) {
  return b.start < to && b.blockEnd > from;
}

}  // namespace

int64_t utcDay(StoreTime t) {
  int64_t s = t.time_since_epoch().count();
  return s >= 0 ? s / kDaySeconds : -((-s + kDaySeconds - 1) / kDaySeconds);
}

std::string AvailabilityChange::toJson(const std::string& origin) const {
  return nlohmann::json{{"t", tenant}, {"s", staffId}, {"d", days}, {"o", origin}}.dump();
}

std::optional<AvailabilityChange> AvailabilityChange::fromJson(std::string_view text,
                                                               std::string* origin) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("t") || !j["t"].is_string() ||
      j["t"].get_ref<const std::string&>().empty())
    return std::nullopt;
  AvailabilityChange c;
  c.tenant = j["t"].get<std::string>();
  if (j.contains("s")) {
    if (!j["s"].is_string()) return std::nullopt;
    c.staffId = j["s"].get<std::string>();
  }
  if (j.contains("d")) {
    if (!j["d"].is_array() || j["d"].size() > kMaxChangeDays) return std::nullopt;
    for (const auto& d : j["d"]) {
      if (!d.is_number_integer()) return std::nullopt;
      c.days.push_back(d.get<int64_t>());
    }
  }
  if (origin) *origin = j.value("o", std::string());
  return c;
}

AvailabilityCache::AvailabilityCache(AvailabilityCacheSettings settings, const core::Clock& clock,
                                     core::MetricsRegistry& metrics)
    : settings_(settings),
      clock_(clock),
      hits_(metrics.counter("parley_availability_cache_lookups_total",
                            "Availability reads (busy spans) by where they were answered",
                            {{"result", "hit"}})),
      misses_(metrics.counter("parley_availability_cache_lookups_total",
                              "Availability reads (busy spans) by where they were answered",
                              {{"result", "miss"}})),
      bypassed_(metrics.counter("parley_availability_cache_lookups_total",
                                "Availability reads (busy spans) by where they were answered",
                                {{"result", "bypass"}})),
      localChanges_(metrics.counter("parley_availability_cache_invalidations_total",
                                    "Availability changes that dropped cache entries",
                                    {{"source", "local"}})),
      fleetChanges_(metrics.counter("parley_availability_cache_invalidations_total",
                                    "Availability changes that dropped cache entries",
                                    {{"source", "fleet"}})) {}

std::vector<BusyInterval> AvailabilityCache::busy(const std::string& tenant,
                                                  const std::vector<std::string>& staffIds,
                                                  StoreTime from, StoreTime to,
                                                  const Loader& load) {
  if (staffIds.empty() || to <= from) return load(staffIds, from, to);
  const int64_t firstDay = utcDay(from);
  const int64_t endDay = utcDay(to - std::chrono::seconds(1)) + 1;  // exclusive
  const auto units = static_cast<size_t>(endDay - firstDay) * staffIds.size();
  uint64_t epoch = 0, resets = 0;
  {
    std::lock_guard lock(mutex_);
    if (settings_.ttl.count() <= 0 || (fleet_ && !fleetLive_) || units > kMaxUnitsPerLookup) {
      bypassed_.inc();
      return load(staffIds, from, to);
    }
    const int64_t nowMs = clock_.monoMs();
    std::vector<BusyInterval> out;
    bool complete = true;
    for (const auto& staff : staffIds) {
      for (int64_t d = firstDay; d < endDay && complete; ++d) {
        auto it = entries_.find(Key{tenant, staff, d});
        if (it == entries_.end() || nowMs - it->second.fetchedMs >= settings_.ttl.count()) {
          complete = false;
          break;
        }
        for (const auto& b : it->second.busy)
          if (intersects(b, from, to)) out.push_back(b);
      }
      if (!complete) break;
    }
    if (complete) {
      hits_.inc();
      // A span crossing midnight sits in two day entries: keep one, ordered like the store.
      std::sort(out.begin(), out.end(), [](const BusyInterval& a, const BusyInterval& b) {
        return std::tie(a.start, a.staffId, a.blockEnd) < std::tie(b.start, b.staffId, b.blockEnd);
      });
      out.erase(std::unique(out.begin(), out.end(),
                            [](const BusyInterval& a, const BusyInterval& b) {
                              return a.start == b.start && a.staffId == b.staffId &&
                                     a.blockEnd == b.blockEnd;
                            }),
                out.end());
      return out;
    }
    misses_.inc();
    epoch = epochs_[tenant];
    resets = resets_;
  }
  // Whole UTC days, so every (staff, day) entry is complete.
  auto loaded = load(staffIds, dayStart(firstDay), dayStart(endDay));
  std::vector<BusyInterval> out;
  for (const auto& b : loaded)
    if (intersects(b, from, to)) out.push_back(b);
  std::lock_guard lock(mutex_);
  // A change (or a reset) while we read: what we read may predate it; do not keep it.
  if (epochs_[tenant] != epoch || resets_ != resets || (fleet_ && !fleetLive_)) return out;
  const int64_t nowMs = clock_.monoMs();
  if (entries_.size() + units > settings_.maxEntries) makeRoom(nowMs);
  if (entries_.size() + units > settings_.maxEntries) return out;
  for (const auto& staff : staffIds) {
    for (int64_t d = firstDay; d < endDay; ++d) {
      Entry e;
      e.fetchedMs = nowMs;
      for (const auto& b : loaded)
        if (b.staffId == staff && intersects(b, dayStart(d), dayStart(d + 1))) e.busy.push_back(b);
      entries_[Key{tenant, staff, d}] = std::move(e);
    }
  }
  return out;
}

void AvailabilityCache::makeRoom(int64_t nowMs) {
  std::erase_if(entries_, [&](const auto& kv) {
    return nowMs - kv.second.fetchedMs >= settings_.ttl.count();
  });
  // Still full of fresh entries: start over rather than track recency on every hit (a cache
  // this full means the bound is too small for the traffic; the store answers meanwhile).
  if (entries_.size() >= settings_.maxEntries / 2) entries_.clear();
}

void AvailabilityCache::drop(const AvailabilityChange& change) {
  ++epochs_[change.tenant];
  auto first = entries_.lower_bound(Key{change.tenant, change.staffId, INT64_MIN});
  for (auto it = first; it != entries_.end() && std::get<0>(it->first) == change.tenant;) {
    const std::string& staff = std::get<1>(it->first);
    const int64_t day = std::get<2>(it->first);
    bool staffMatches = change.staffId.empty() || staff == change.staffId;
    if (!change.staffId.empty() && staff != change.staffId) break;  // past this staff's range
    bool dayMatches = change.days.empty() ||
                      std::find(change.days.begin(), change.days.end(), day) != change.days.end();
    if (staffMatches && dayMatches)
      it = entries_.erase(it);
    else
      ++it;
  }
}

void AvailabilityCache::changed(const AvailabilityChange& change) {
  std::shared_ptr<AvailabilityFleetLink> link;
  {
    std::lock_guard lock(mutex_);
    drop(change);
    link = link_;
  }
  localChanges_.inc();
  if (link) link->publish(change);
}

void AvailabilityCache::applyRemote(const AvailabilityChange& change) {
  {
    std::lock_guard lock(mutex_);
    drop(change);
  }
  fleetChanges_.inc();
}

void AvailabilityCache::attachFleet(std::shared_ptr<AvailabilityFleetLink> link) {
  std::lock_guard lock(mutex_);
  link_ = std::move(link);
  fleet_ = true;
  fleetLive_ = false;
  entries_.clear();
  ++resets_;
}

void AvailabilityCache::detachFleet() {
  std::lock_guard lock(mutex_);
  link_.reset();
  fleet_ = false;
  fleetLive_ = false;
  entries_.clear();
  ++resets_;
}

void AvailabilityCache::setFleetLive(bool live) {
  std::lock_guard lock(mutex_);
  if (fleetLive_ == live) return;
  fleetLive_ = live;
  entries_.clear();
  ++resets_;
}

bool AvailabilityCache::serving() const {
  std::lock_guard lock(mutex_);
  return settings_.ttl.count() > 0 && (!fleet_ || fleetLive_);
}

size_t AvailabilityCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace parley::tools
