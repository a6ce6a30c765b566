#pragma once
// The embedded booking store: one SQLite file (C API) per tenant store path under data_dir.
// WAL journal, synchronous=FULL (an acknowledged booking survives a crash or power loss),
// versioned schema migrations (PRAGMA user_version), every write in one BEGIN IMMEDIATE
// transaction. The no-overlap rule is checked inside that transaction and again by a trigger,
// so bookings from many threads and processes sharing the file never double-book.
//
// Cost: a booking is one fsync'd transaction, typically 1–5 ms; it may block up to `timeout`
// while another process holds the write lock. Reads never wait for writers (WAL).
#include <filesystem>
#include <memory>
#include <mutex>

#include "tools/booking/BookingStore.hpp"

struct sqlite3;

namespace parley::tools {

/// Schema version this build writes; older files are migrated on open, newer ones refused.
constexpr int kBookingSchemaVersion = 1;

/// The longest block (service + buffer) the store accepts: 8 h service + 4 h buffer, the tenant
/// loader's limits. Bounds the overlap query to an index range.
constexpr std::chrono::seconds kMaxBlock{12 * 3600};

class SqliteBookingStore final : public BookingStore {
 public:
  /// Opens (creating it and its parent folder if needed) and migrates the database at `file`.
  /// Throws StoreError if the file cannot be opened, is not a Parley store, or is newer.
  explicit SqliteBookingStore(const std::filesystem::path& file);
  ~SqliteBookingStore() override;
  SqliteBookingStore(const SqliteBookingStore&) = delete;
  SqliteBookingStore& operator=(const SqliteBookingStore&) = delete;

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
  std::vector<BusyInterval> busy(const std::string& tenantId,
                                 const std::vector<std::string>& staffIds, StoreTime from,
                                 StoreTime to) override;
  std::vector<Appointment> findByPhone(const std::string& tenantId,
                                       const std::string& customerPhone, StoreTime from) override;
  std::optional<Appointment> get(const std::string& tenantId, const std::string& id) override;
  std::vector<Appointment> list(const std::string& tenantId, size_t limit) override;
  std::vector<AppointmentEvent> history(const std::string& tenantId,
                                        const std::string& appointmentId) override;

  /// Runs `PRAGMA integrity_check` and returns its first line ("ok" when healthy).
  std::string integrityCheck();
  /// The schema version of the open file.
  int schemaVersion();

 private:
  class Db;
  std::unique_ptr<Db> db_;  ///< owned connection + prepared statements
  std::mutex mutex_;        ///< one connection, one user at a time
};

}  // namespace parley::tools
