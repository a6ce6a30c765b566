#pragma once
// Where appointments live (DESIGN.md §7). The interface is synchronous: an implementation must
// answer in a few milliseconds (the embedded SQLite store does; a remote Cal.com store will run
// its HTTP on the loop and is not behind this interface). Tools call it from an event-loop
// thread, so a call may block for at most its `timeout` while another writer holds the lock.
//
// The rule every implementation enforces atomically: no two `booked` appointments of one staff
// member overlap, where an appointment occupies [start, blockEnd) = start + duration + buffer.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/Error.hpp"

namespace parley::tools {

using StoreTime = std::chrono::sys_seconds;  ///< UTC, whole seconds

enum class AppointmentStatus { Booked, Cancelled, Completed, NoShow };
/// "booked", "cancelled", "completed", "no_show".
const char* statusName(AppointmentStatus s);
std::optional<AppointmentStatus> appointmentStatusFromString(const std::string& s);

struct Appointment {
  std::string id;  ///< short speakable code, e.g. "K7M2QX"
  std::string tenantId;
  std::string staffId;
  std::string serviceId;
  std::string customerPhone;  ///< E.164
  std::string customerName;
  StoreTime start{};
  StoreTime end{};       ///< start + service duration
  StoreTime blockEnd{};  ///< end + buffer: the staff member is busy until then
  AppointmentStatus status = AppointmentStatus::Booked;
  std::string notes;
  StoreTime createdAt{};
  StoreTime updatedAt{};
};

/// One audit row: who did what to an appointment, when.
struct AppointmentEvent {
  std::string appointmentId;
  StoreTime at{};
  std::string actor;   ///< e.g. "call:abc123" or "cli"
  std::string action;  ///< "booked", "cancelled", "rescheduled", …
  std::string detail;  ///< e.g. "from 2025-01-07T19:30:00Z to 2025-01-08T15:00:00Z"
};

/// A busy span of one staff member, [start, blockEnd).
struct BusyInterval {
  std::string staffId;
  StoreTime start{};
  StoreTime blockEnd{};
};

/// Default wait for the write lock: longer than any real transaction (~1 ms), short enough that a
/// caller never waits noticeably. A tool passes its remaining timeout instead.
constexpr std::chrono::milliseconds kDefaultStoreTimeout{2000};

struct BookRequest {
  std::string tenantId;
  /// Staff to try, in order of preference; the first one free for the whole block gets it.
  std::vector<std::string> staffCandidates;
  std::string serviceId;
  StoreTime start{};
  std::chrono::minutes duration{0};
  std::chrono::minutes buffer{0};
  std::string customerPhone;  ///< E.164
  std::string customerName;
  std::string notes;
  /// Makes a retry return the first result: "<call id>:<tool call id>". Empty = none.
  std::string idempotencyKey;
  std::string actor;  ///< audit: who books
  StoreTime now{};    ///< audit timestamps
};

enum class StoreOutcome { Ok, Replayed, SlotTaken, NotFound, NotAllowed, NotActive };

struct StoreResult {
  StoreOutcome outcome = StoreOutcome::Ok;
  std::optional<Appointment> appointment;  ///< set on Ok/Replayed (and NotActive)
  std::string conflictStaffId;             ///< SlotTaken: the last candidate's conflict
  bool ok() const { return outcome == StoreOutcome::Ok || outcome == StoreOutcome::Replayed; }
};

/// A store failure that is not a booking outcome (I/O error, corrupt file, lock timeout).
class StoreError : public core::Error {
 public:
  StoreError(const std::string& what, bool busy) : core::Error(what), busy_(busy) {}
  /// True if another writer held the lock past the timeout: retrying may help.
  bool busy() const noexcept { return busy_; }

 private:
  bool busy_;
};

/// The store interface. All methods are thread-safe; errors other than the outcomes above throw
/// StoreError.
class BookingStore {
 public:
  virtual ~BookingStore() = default;

  /// Books atomically (one transaction). SlotTaken if every candidate overlaps a booked
  /// appointment. With an idempotency key seen before, returns that first result (Replayed).
  virtual StoreResult book(const BookRequest& req,
                           std::chrono::milliseconds timeout = kDefaultStoreTimeout) = 0;
  /// Cancels a booked appointment of `customerPhone` (NotFound if it is someone else's).
  virtual StoreResult cancel(const std::string& tenantId, const std::string& appointmentId,
                             const std::string& customerPhone, const std::string& reason,
                             const std::string& actor, StoreTime now,
                             std::chrono::milliseconds timeout = kDefaultStoreTimeout) = 0;
  /// Moves a booked appointment of `customerPhone` to `newStart` with the same staff member,
  /// service length and buffer; keeps the id and writes an audit row. SlotTaken if the new block
  /// overlaps another appointment (its own old block does not count).
  virtual StoreResult reschedule(const std::string& tenantId, const std::string& appointmentId,
                                 const std::string& customerPhone, StoreTime newStart,
                                 const std::string& idempotencyKey, const std::string& actor,
                                 StoreTime now,
                                 std::chrono::milliseconds timeout = kDefaultStoreTimeout) = 0;
  /// Sets a final state (completed / no_show) — operator use.
  virtual StoreResult setStatus(const std::string& tenantId, const std::string& appointmentId,
                                AppointmentStatus status, const std::string& actor, StoreTime now,
                                std::chrono::milliseconds timeout = kDefaultStoreTimeout) = 0;

  /// Booked spans of these staff members that intersect [from, to), by start.
  virtual std::vector<BusyInterval> busy(const std::string& tenantId,
                                         const std::vector<std::string>& staffIds, StoreTime from,
                                         StoreTime to) = 0;
  /// Appointments of one customer that start at or after `from`, by start (all states).
  virtual std::vector<Appointment> findByPhone(const std::string& tenantId,
                                               const std::string& customerPhone,
                                               StoreTime from) = 0;
  /// One appointment by id (any owner), or nullopt.
  virtual std::optional<Appointment> get(const std::string& tenantId, const std::string& id) = 0;
  /// Every appointment of a tenant (up to `limit`), by start — for operators.
  virtual std::vector<Appointment> list(const std::string& tenantId, size_t limit) = 0;
  /// Audit rows of one appointment, oldest first.
  virtual std::vector<AppointmentEvent> history(const std::string& tenantId,
                                                const std::string& appointmentId) = 0;
};

}  // namespace parley::tools
