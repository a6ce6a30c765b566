#include "tools/booking/CachingBookingStore.hpp"

#include <algorithm>

namespace parley::tools {
namespace {

using Block = std::pair<StoreTime, StoreTime>;

Block blockOf(const Appointment& a) {
  return {a.start, a.blockEnd};
}

}  // namespace

CachingBookingStore::CachingBookingStore(std::shared_ptr<BookingStore> inner,
                                         std::shared_ptr<AvailabilityCache> cache)
    : inner_(std::move(inner)), cache_(std::move(cache)) {}

void CachingBookingStore::changed(const std::string& tenantId, const std::string& staffId,
                                  const std::vector<Block>& blocks) {
  AvailabilityChange c;
  c.tenant = tenantId;
  c.staffId = staffId;
  for (const auto& [start, end] : blocks) {
    for (int64_t d = utcDay(start); d <= utcDay(std::max(start, end - std::chrono::seconds(1)));
         ++d)
      if (std::find(c.days.begin(), c.days.end(), d) == c.days.end()) c.days.push_back(d);
  }
  if (c.days.size() > kMaxChangeDays) c.days.clear();  // every day of that staff member
  cache_->changed(c);
}

StoreResult CachingBookingStore::book(const BookRequest& req, std::chrono::milliseconds timeout) {
  const Block requested{req.start, req.start + req.duration + req.buffer};
  StoreResult r;
  try {
    r = inner_->book(req, timeout);
  } catch (...) {
    // The write may or may not have happened: drop what it could have touched.
    for (const auto& staff : req.staffCandidates) changed(req.tenantId, staff, {requested});
    throw;
  }
  if (r.outcome == StoreOutcome::Ok && r.appointment) {
    changed(req.tenantId, r.appointment->staffId, {blockOf(*r.appointment)});
  } else if (r.outcome == StoreOutcome::SlotTaken) {
    // Someone booked it behind our back (another worker whose message has not arrived, or a
    // lost one): what we hold for these staff and days is stale.
    for (const auto& staff : req.staffCandidates) changed(req.tenantId, staff, {requested});
  }
  return r;
}

StoreResult CachingBookingStore::cancel(const std::string& tenantId,
                                        const std::string& appointmentId,
                                        const std::string& customerPhone, const std::string& reason,
                                        const std::string& actor, StoreTime now,
                                        std::chrono::milliseconds timeout) {
  StoreResult r;
  try {
    r = inner_->cancel(tenantId, appointmentId, customerPhone, reason, actor, now, timeout);
  } catch (...) {
    cache_->changed(AvailabilityChange{tenantId, {}, {}});
    throw;
  }
  if (r.outcome == StoreOutcome::Ok && r.appointment)
    changed(tenantId, r.appointment->staffId, {blockOf(*r.appointment)});
  return r;
}

StoreResult CachingBookingStore::reschedule(const std::string& tenantId,
                                            const std::string& appointmentId,
                                            const std::string& customerPhone, StoreTime newStart,
                                            const std::string& idempotencyKey,
                                            const std::string& actor, StoreTime now,
                                            std::chrono::milliseconds timeout) {
  // The old block is freed: read it first (an indexed read; the write re-checks everything).
  std::optional<Appointment> before = inner_->get(tenantId, appointmentId);
  StoreResult r;
  try {
    r = inner_->reschedule(tenantId, appointmentId, customerPhone, newStart, idempotencyKey, actor,
                           now, timeout);
  } catch (...) {
    cache_->changed(AvailabilityChange{tenantId, before ? before->staffId : std::string(), {}});
    throw;
  }
  if (r.outcome == StoreOutcome::Ok && r.appointment) {
    std::vector<Block> blocks{blockOf(*r.appointment)};
    if (before) blocks.push_back(blockOf(*before));
    changed(tenantId, r.appointment->staffId, blocks);
  } else if (r.outcome == StoreOutcome::SlotTaken && before) {
    auto length = before->blockEnd - before->start;
    changed(tenantId, before->staffId, {{newStart, newStart + length}});
  }
  return r;
}

StoreResult CachingBookingStore::setStatus(const std::string& tenantId,
                                           const std::string& appointmentId,
                                           AppointmentStatus status, const std::string& actor,
                                           StoreTime now, std::chrono::milliseconds timeout) {
  StoreResult r;
  try {
    r = inner_->setStatus(tenantId, appointmentId, status, actor, now, timeout);
  } catch (...) {
    cache_->changed(AvailabilityChange{tenantId, {}, {}});
    throw;
  }
  if (r.outcome == StoreOutcome::Ok && r.appointment)
    changed(tenantId, r.appointment->staffId, {blockOf(*r.appointment)});
  return r;
}

std::vector<BusyInterval> CachingBookingStore::busy(const std::string& tenantId,
                                                    const std::vector<std::string>& staffIds,
                                                    StoreTime from, StoreTime to) {
  return cache_->busy(tenantId, staffIds, from, to,
                      [&](const std::vector<std::string>& ids, StoreTime f, StoreTime t) {
                        return inner_->busy(tenantId, ids, f, t);
                      });
}

std::vector<Appointment> CachingBookingStore::findByPhone(const std::string& tenantId,
                                                          const std::string& customerPhone,
                                                          StoreTime from) {
  return inner_->findByPhone(tenantId, customerPhone, from);
}

std::optional<Appointment> CachingBookingStore::get(const std::string& tenantId,
                                                    const std::string& id) {
  return inner_->get(tenantId, id);
}

std::vector<Appointment> CachingBookingStore::list(const std::string& tenantId, size_t limit) {
  return inner_->list(tenantId, limit);
}

std::vector<AppointmentEvent> CachingBookingStore::history(const std::string& tenantId,
                                                           const std::string& appointmentId) {
  return inner_->history(tenantId, appointmentId);
}

}  // namespace parley::tools
