#pragma once
// A BookingStore that answers busy() through an AvailabilityCache and reports every write to it
// (issue 10: availability cached per tenant/staff/day, invalidated on every book, cancel,
// reschedule and status change, fleet-wide through the cache's fleet link). Writes and every
// other read go straight to the wrapped store, so a booking is still checked against the store
// inside its transaction: a stale cache never double-books.
//
// Thread-safe as the wrapped store is. The worker wraps each tenant's store once
// (WorkerContext::storeFor); tools see an ordinary BookingStore.
#include <memory>

#include "tools/booking/AvailabilityCache.hpp"
#include "tools/booking/BookingStore.hpp"

namespace parley::tools {

class CachingBookingStore final : public BookingStore {
 public:
  /// Both are shared: one cache serves every tenant's store of the worker.
  CachingBookingStore(std::shared_ptr<BookingStore> inner,
                      std::shared_ptr<AvailabilityCache> cache);

  StoreResult book(const BookRequest& req,
                   std::chrono::milliseconds timeout = kDefaultStoreTimeout) override;
  StoreResult cancel(const std::string& tenantId, const std::string& appointmentId,
                     const std::string& customerPhone, const std::string& reason,
                     const std::string& actor, StoreTime now,
                     std::chrono::milliseconds timeout = kDefaultStoreTimeout) override;
  StoreResult reschedule(const std::string& tenantId, const std::string& appointmentId,
                         const std::string& customerPhone, StoreTime newStart,
                         const std::string& idempotencyKey, const std::string& actor, StoreTime now,
                         std::chrono::milliseconds timeout = kDefaultStoreTimeout) override;
  StoreResult setStatus(const std::string& tenantId, const std::string& appointmentId,
                        AppointmentStatus status, const std::string& actor, StoreTime now,
                        std::chrono::milliseconds timeout = kDefaultStoreTimeout) override;
  /// From the cache when fresh (see AvailabilityCache::busy), else from the wrapped store.
  std::vector<BusyInterval> busy(const std::string& tenantId,
                                 const std::vector<std::string>& staffIds, StoreTime from,
                                 StoreTime to) override;
  std::vector<Appointment> findByPhone(const std::string& tenantId,
                                       const std::string& customerPhone, StoreTime from) override;
  std::optional<Appointment> get(const std::string& tenantId, const std::string& id) override;
  std::vector<Appointment> list(const std::string& tenantId, size_t limit) override;
  std::vector<AppointmentEvent> history(const std::string& tenantId,
                                        const std::string& appointmentId) override;

  BookingStore& inner() { return *inner_; }

 private:
  /// Tells the cache about a write to `staffId`'s blocks (each [start, blockEnd)).
  void changed(const std::string& tenantId, const std::string& staffId,
               const std::vector<std::pair<StoreTime, StoreTime>>& blocks);

  std::shared_ptr<BookingStore> inner_;
  std::shared_ptr<AvailabilityCache> cache_;
};

}  // namespace parley::tools
