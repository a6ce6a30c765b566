#include "tools/booking/SqliteBookingStore.hpp"

#include <date/date.h>
#include <sqlite3.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "core/SecureRandom.hpp"
#include "tools/sqlite/SqliteDb.hpp"

namespace parley::tools {
namespace {

using std::chrono::seconds;

// Migrations, applied in order inside one transaction each; index i takes the file from
// user_version i to i + 1. Never edit a shipped step: append a new one.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE customers(
  tenant TEXT NOT NULL,
  phone TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(tenant, phone)) WITHOUT ROWID;
CREATE TABLE appointments(
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  staff TEXT NOT NULL,
  service TEXT NOT NULL,
  customer_phone TEXT NOT NULL,
  customer_name TEXT NOT NULL,
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  block_end_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('booked','cancelled','completed','no_show')),
  notes TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK(start_at < end_at AND end_at <= block_end_at AND block_end_at - start_at <= 43200),
  FOREIGN KEY(tenant, customer_phone) REFERENCES customers(tenant, phone));
CREATE INDEX appointments_busy ON appointments(tenant, staff, start_at) WHERE status = 'booked';
CREATE INDEX appointments_customer ON appointments(tenant, customer_phone, start_at);
CREATE INDEX appointments_start ON appointments(tenant, start_at);
CREATE TABLE appointment_events(
  seq INTEGER PRIMARY KEY,
  appointment_id TEXT NOT NULL REFERENCES appointments(id),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '');
CREATE INDEX appointment_events_by_appointment ON appointment_events(appointment_id, seq);
CREATE TABLE idempotency(
  key TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  operation TEXT NOT NULL,
  appointment_id TEXT NOT NULL REFERENCES appointments(id),
  created_at INTEGER NOT NULL) WITHOUT ROWID;
-- The no-overlap rule, enforced by the database itself as a second line of defence.
CREATE TRIGGER appointments_no_overlap_insert BEFORE INSERT ON appointments
WHEN NEW.status = 'booked' BEGIN
  SELECT RAISE(ABORT, 'parley: overlapping appointment') WHERE EXISTS (
    SELECT 1 FROM appointments a WHERE a.tenant = NEW.tenant AND a.staff = NEW.staff
      AND a.status = 'booked' AND a.start_at > NEW.start_at - 43200
      AND a.start_at < NEW.block_end_at AND a.block_end_at > NEW.start_at);
END;
CREATE TRIGGER appointments_no_overlap_update
BEFORE UPDATE OF staff, start_at, end_at, block_end_at, status ON appointments
WHEN NEW.status = 'booked' BEGIN
  SELECT RAISE(ABORT, 'parley: overlapping appointment') WHERE EXISTS (
    SELECT 1 FROM appointments a WHERE a.id <> NEW.id AND a.tenant = NEW.tenant
      AND a.staff = NEW.staff AND a.status = 'booked' AND a.start_at > NEW.start_at - 43200
      AND a.start_at < NEW.block_end_at AND a.block_end_at > NEW.start_at);
END;
)sql",
};
static_assert(std::size(kMigrations) == kBookingSchemaVersion);

constexpr char kIdAlphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";  // no 0/O, 1/I/L: speakable
constexpr int kIdLength = 6;    // 31^6 ≈ 8.9e8 codes: collisions are rare and retried
constexpr int kIdAttempts = 8;  // retries on a duplicate code

const char* kAppointmentColumns =
    "id, tenant, staff, service, customer_phone, customer_name, start_at, end_at, block_end_at, "
    "status, notes, created_at, updated_at";

}  // namespace

const char* statusName(AppointmentStatus s) {
  switch (s) {
    case AppointmentStatus::Booked:
      return "booked";
    case AppointmentStatus::Cancelled:
      return "cancelled";
    case AppointmentStatus::Completed:
      return "completed";
    case AppointmentStatus::NoShow:
      return "no_show";
  }
  return "booked";
}

std::optional<AppointmentStatus> appointmentStatusFromString(const std::string& s) {
  if (s == "booked") return AppointmentStatus::Booked;
  if (s == "cancelled") return AppointmentStatus::Cancelled;
  if (s == "completed") return AppointmentStatus::Completed;
  if (s == "no_show") return AppointmentStatus::NoShow;
  return std::nullopt;
}

// The connection (tools/sqlite/SqliteDb) with the booking queries. Used under the store's mutex
// only. Errors are StoreError ("booking store: …").
class SqliteBookingStore::Db : public SqliteDb {
 public:
  explicit Db(const std::filesystem::path& file) : SqliteDb("booking store", kDefaultStoreTimeout) {
    open(file, kMigrations);
  }

  [[noreturn]] void raise(const std::string& what, bool busy) const override {
    throw StoreError("booking store: " + what, busy);
  }

  static Appointment readAppointment(const Stmt& s) {
    Appointment a;
    a.id = s.text(0);
    a.tenantId = s.text(1);
    a.staffId = s.text(2);
    a.serviceId = s.text(3);
    a.customerPhone = s.text(4);
    a.customerName = s.text(5);
    a.start = s.time(6);
    a.end = s.time(7);
    a.blockEnd = s.time(8);
    a.status = appointmentStatusFromString(s.text(9)).value_or(AppointmentStatus::Booked);
    a.notes = s.text(10);
    a.createdAt = s.time(11);
    a.updatedAt = s.time(12);
    return a;
  }

  std::optional<Appointment> load(const std::string& tenant, const std::string& id) {
    auto s = prepare(std::string("SELECT ") + kAppointmentColumns +
                     " FROM appointments WHERE tenant = ?1 AND id = ?2");
    s.bind(1, tenant).bind(2, id);
    if (!s.step()) return std::nullopt;
    return readAppointment(s);
  }

  // The first booked appointment of `staff` overlapping [start, blockEnd), other than `except`.
  std::optional<std::string> conflict(const std::string& tenant, const std::string& staff,
                                      StoreTime start, StoreTime blockEnd,
                                      const std::string& except) {
    auto s = prepare(
        "SELECT id FROM appointments WHERE tenant = ?1 AND staff = ?2 AND status = 'booked' "
        "AND start_at > ?3 AND start_at < ?4 AND block_end_at > ?5 AND id <> ?6 LIMIT 1");
    s.bind(1, tenant)
        .bind(2, staff)
        .bind(3, start - kMaxBlock)
        .bind(4, blockEnd)
        .bind(5, start)
        .bind(6, except);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  void audit(const std::string& id, StoreTime at, const std::string& actor,
             const std::string& action, const std::string& detail) {
    auto s = prepare(
        "INSERT INTO appointment_events(appointment_id, at, actor, action, detail) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, id).bind(2, at).bind(3, actor).bind(4, action).bind(5, detail);
    s.step();
  }

  std::optional<std::string> idempotent(const std::string& key) {
    if (key.empty()) return std::nullopt;
    auto s = prepare("SELECT appointment_id FROM idempotency WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  void remember(const std::string& key, const std::string& tenant, const std::string& op,
                const std::string& id, StoreTime now) {
    if (key.empty()) return;
    auto s = prepare(
        "INSERT INTO idempotency(key, tenant, operation, appointment_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, key).bind(2, tenant).bind(3, op).bind(4, id).bind(5, now);
    s.step();
  }
};

namespace {

std::string isoUtc(StoreTime t) {
  return date::format("%FT%TZ", t);
}

}  // namespace

SqliteBookingStore::SqliteBookingStore(const std::filesystem::path& file)
    : db_(std::make_unique<Db>(file)) {}

SqliteBookingStore::~SqliteBookingStore() = default;

StoreResult SqliteBookingStore::book(const BookRequest& req, std::chrono::milliseconds timeout) {
  if (req.duration.count() <= 0 || req.buffer.count() < 0 ||
      req.duration + req.buffer > kMaxBlock || req.staffCandidates.empty())
    throw StoreError("booking store: invalid booking request", false);
  std::lock_guard lock(mutex_);
  Db::Transaction tx(*db_, timeout);
  if (auto prior = db_->idempotent(req.idempotencyKey)) {
    StoreResult r{StoreOutcome::Replayed, db_->load(req.tenantId, *prior), {}};
    tx.commit();
    return r;
  }
  StoreTime end = req.start + req.duration;
  StoreTime blockEnd = end + req.buffer;
  std::string conflictStaff;
  for (const auto& staff : req.staffCandidates) {
    if (db_->conflict(req.tenantId, staff, req.start, blockEnd, "")) {
      conflictStaff = staff;
      continue;
    }
    {
      auto s = db_->prepare(
          "INSERT INTO customers(tenant, phone, name, created_at, updated_at) "
          "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(tenant, phone) DO UPDATE SET "
          "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END, "
          "updated_at = excluded.updated_at");
      s.bind(1, req.tenantId).bind(2, req.customerPhone).bind(3, req.customerName).bind(4, req.now);
      s.step();
    }
    Appointment a{.tenantId = req.tenantId,
                  .staffId = staff,
                  .serviceId = req.serviceId,
                  .customerPhone = req.customerPhone,
                  .customerName = req.customerName,
                  .start = req.start,
                  .end = end,
                  .blockEnd = blockEnd,
                  .status = AppointmentStatus::Booked,
                  .notes = req.notes,
                  .createdAt = req.now,
                  .updatedAt = req.now};
    for (int attempt = 0;; ++attempt) {
      a.id = core::secureRandomString(kIdLength, kIdAlphabet);
      if (!db_->load(req.tenantId, a.id)) break;
      if (attempt >= kIdAttempts) throw StoreError("booking store: no free appointment id", false);
    }
    auto s = db_->prepare(std::string("INSERT INTO appointments(") + kAppointmentColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'booked', ?10, ?11, ?11)");
    s.bind(1, a.id)
        .bind(2, a.tenantId)
        .bind(3, a.staffId)
        .bind(4, a.serviceId)
        .bind(5, a.customerPhone)
        .bind(6, a.customerName)
        .bind(7, a.start)
        .bind(8, a.end)
        .bind(9, a.blockEnd)
        .bind(10, a.notes)
        .bind(11, req.now);
    s.step();
    db_->audit(a.id, req.now, req.actor, "booked",
               a.serviceId + " with " + a.staffId + " at " + isoUtc(a.start));
    db_->remember(req.idempotencyKey, req.tenantId, "book", a.id, req.now);
    tx.commit();
    return StoreResult{StoreOutcome::Ok, a, {}};
  }
  return StoreResult{StoreOutcome::SlotTaken, std::nullopt, conflictStaff};
}

StoreResult SqliteBookingStore::cancel(const std::string& tenantId,
                                       const std::string& appointmentId,
                                       const std::string& customerPhone, const std::string& reason,
                                       const std::string& actor, StoreTime now,
                                       std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  Db::Transaction tx(*db_, timeout);
  auto a = db_->load(tenantId, appointmentId);
  if (!a || a->customerPhone != customerPhone) return {StoreOutcome::NotFound, std::nullopt, {}};
  if (a->status != AppointmentStatus::Booked) return {StoreOutcome::NotActive, a, {}};
  auto s = db_->prepare(
      "UPDATE appointments SET status = 'cancelled', updated_at = ?3 WHERE tenant = ?1 AND id = "
      "?2");
  s.bind(1, tenantId).bind(2, appointmentId).bind(3, now);
  s.step();
  db_->audit(appointmentId, now, actor, "cancelled", reason);
  tx.commit();
  a->status = AppointmentStatus::Cancelled;
  a->updatedAt = now;
  return {StoreOutcome::Ok, a, {}};
}

StoreResult SqliteBookingStore::reschedule(const std::string& tenantId,
                                           const std::string& appointmentId,
                                           const std::string& customerPhone, StoreTime newStart,
                                           const std::string& idempotencyKey,
                                           const std::string& actor, StoreTime now,
                                           std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  Db::Transaction tx(*db_, timeout);
  if (auto prior = db_->idempotent(idempotencyKey)) {
    StoreResult r{StoreOutcome::Replayed, db_->load(tenantId, *prior), {}};
    tx.commit();
    return r;
  }
  auto a = db_->load(tenantId, appointmentId);
  if (!a || a->customerPhone != customerPhone) return {StoreOutcome::NotFound, std::nullopt, {}};
  if (a->status != AppointmentStatus::Booked) return {StoreOutcome::NotActive, a, {}};
  auto length = a->end - a->start;
  auto block = a->blockEnd - a->start;
  if (db_->conflict(tenantId, a->staffId, newStart, newStart + block, a->id))
    return {StoreOutcome::SlotTaken, std::nullopt, a->staffId};
  StoreTime oldStart = a->start;
  a->start = newStart;
  a->end = newStart + length;
  a->blockEnd = newStart + block;
  a->updatedAt = now;
  auto s = db_->prepare(
      "UPDATE appointments SET start_at = ?3, end_at = ?4, block_end_at = ?5, updated_at = ?6 "
      "WHERE tenant = ?1 AND id = ?2");
  s.bind(1, tenantId)
      .bind(2, a->id)
      .bind(3, a->start)
      .bind(4, a->end)
      .bind(5, a->blockEnd)
      .bind(6, now);
  s.step();
  db_->audit(a->id, now, actor, "rescheduled",
             "from " + isoUtc(oldStart) + " to " + isoUtc(newStart));
  db_->remember(idempotencyKey, tenantId, "reschedule", a->id, now);
  tx.commit();
  return {StoreOutcome::Ok, a, {}};
}

StoreResult SqliteBookingStore::setStatus(const std::string& tenantId,
                                          const std::string& appointmentId,
                                          AppointmentStatus status, const std::string& actor,
                                          StoreTime now, std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  Db::Transaction tx(*db_, timeout);
  auto a = db_->load(tenantId, appointmentId);
  if (!a) return {StoreOutcome::NotFound, std::nullopt, {}};
  if (a->status != AppointmentStatus::Booked && status == AppointmentStatus::Booked)
    if (db_->conflict(tenantId, a->staffId, a->start, a->blockEnd, a->id))
      return {StoreOutcome::SlotTaken, std::nullopt, a->staffId};
  auto s = db_->prepare(
      "UPDATE appointments SET status = ?3, updated_at = ?4 WHERE tenant = ?1 AND id = ?2");
  s.bind(1, tenantId).bind(2, appointmentId).bind(3, std::string(statusName(status))).bind(4, now);
  s.step();
  db_->audit(appointmentId, now, actor, statusName(status), "");
  tx.commit();
  a->status = status;
  a->updatedAt = now;
  return {StoreOutcome::Ok, a, {}};
}

std::vector<BusyInterval> SqliteBookingStore::busy(const std::string& tenantId,
                                                   const std::vector<std::string>& staffIds,
                                                   StoreTime from, StoreTime to) {
  std::lock_guard lock(mutex_);
  sqlite3_busy_timeout(db_->handle(), static_cast<int>(kDefaultStoreTimeout.count()));
  std::vector<BusyInterval> out;
  for (const auto& staff : staffIds) {
    auto s = db_->prepare(
        "SELECT start_at, block_end_at FROM appointments WHERE tenant = ?1 AND staff = ?2 "
        "AND status = 'booked' AND start_at > ?3 AND start_at < ?4 AND block_end_at > ?5 "
        "ORDER BY start_at");
    s.bind(1, tenantId).bind(2, staff).bind(3, from - kMaxBlock).bind(4, to).bind(5, from);
    while (s.step()) out.push_back({staff, s.time(0), s.time(1)});
  }
  return out;
}

std::vector<Appointment> SqliteBookingStore::findByPhone(const std::string& tenantId,
                                                         const std::string& customerPhone,
                                                         StoreTime from) {
  std::lock_guard lock(mutex_);
  sqlite3_busy_timeout(db_->handle(), static_cast<int>(kDefaultStoreTimeout.count()));
  auto s = db_->prepare(std::string("SELECT ") + kAppointmentColumns +
                        " FROM appointments WHERE tenant = ?1 AND customer_phone = ?2 AND "
                        "start_at >= ?3 ORDER BY start_at");
  s.bind(1, tenantId).bind(2, customerPhone).bind(3, from);
  std::vector<Appointment> out;
  while (s.step()) out.push_back(Db::readAppointment(s));
  return out;
}

std::optional<Appointment> SqliteBookingStore::get(const std::string& tenantId,
                                                   const std::string& id) {
  std::lock_guard lock(mutex_);
  sqlite3_busy_timeout(db_->handle(), static_cast<int>(kDefaultStoreTimeout.count()));
  return db_->load(tenantId, id);
}

std::vector<Appointment> SqliteBookingStore::list(const std::string& tenantId, size_t limit) {
  std::lock_guard lock(mutex_);
  sqlite3_busy_timeout(db_->handle(), static_cast<int>(kDefaultStoreTimeout.count()));
  auto s = db_->prepare(std::string("SELECT ") + kAppointmentColumns +
                        " FROM appointments WHERE tenant = ?1 ORDER BY start_at, id LIMIT ?2");
  s.bind(1, tenantId).bind(2, static_cast<int64_t>(limit));
  std::vector<Appointment> out;
  while (s.step()) out.push_back(Db::readAppointment(s));
  return out;
}

std::vector<AppointmentEvent> SqliteBookingStore::history(const std::string& tenantId,
                                                          const std::string& appointmentId) {
  std::lock_guard lock(mutex_);
  auto s = db_->prepare(
      "SELECT e.appointment_id, e.at, e.actor, e.action, e.detail FROM appointment_events e "
      "JOIN appointments a ON a.id = e.appointment_id WHERE a.tenant = ?1 AND e.appointment_id = "
      "?2 "
      "ORDER BY e.seq");
  s.bind(1, tenantId).bind(2, appointmentId);
  std::vector<AppointmentEvent> out;
  while (s.step()) out.push_back({s.text(0), s.time(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

std::string SqliteBookingStore::integrityCheck() {
  std::lock_guard lock(mutex_);
  auto s = db_->prepare("PRAGMA integrity_check");
  return s.step() ? s.text(0) : "no result";
}

int SqliteBookingStore::schemaVersion() {
  std::lock_guard lock(mutex_);
  auto s = db_->prepare("PRAGMA user_version");
  return s.step() ? static_cast<int>(s.i64(0)) : 0;
}

}  // namespace parley::tools
