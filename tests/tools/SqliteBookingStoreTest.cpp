#include <doctest/doctest.h>
#include <sqlite3.h>

#include "TestSupport.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley::tools;
using test::utc;

namespace {

BookRequest checkup(const std::string& start, std::vector<std::string> staff = {"lee"}) {
  BookRequest r;
  r.tenantId = "demo";
  r.staffCandidates = std::move(staff);
  r.serviceId = "checkup";
  r.start = utc(start);
  r.duration = std::chrono::minutes(30);
  r.buffer = std::chrono::minutes(10);
  r.customerPhone = "+15551234567";
  r.customerName = "Ada";
  r.actor = "test";
  r.now = utc("2025-01-01 12:00");
  return r;
}

}  // namespace

TEST_CASE("store: schema is created and migrated once, in WAL mode") {
  test::TempDir dir;
  {
    SqliteBookingStore s(dir.file("sub/b.sqlite"));
    CHECK(s.schemaVersion() == kBookingSchemaVersion);
    CHECK(s.integrityCheck() == "ok");
  }
  SqliteBookingStore again(dir.file("sub/b.sqlite"));
  CHECK(again.schemaVersion() == kBookingSchemaVersion);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.file("sub/b.sqlite").c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  CHECK_THROWS_AS(SqliteBookingStore(dir.file("sub/b.sqlite")), StoreError);
}

TEST_CASE("store: books, refuses overlaps including buffers, per staff member") {
  test::TempDir dir;
  SqliteBookingStore s(dir.file("b.sqlite"));
  auto r = s.book(checkup("2025-01-07 14:00"));
  REQUIRE(r.outcome == StoreOutcome::Ok);
  REQUIRE(r.appointment);
  CHECK(r.appointment->id.size() == 6);
  CHECK(r.appointment->blockEnd == utc("2025-01-07 14:40"));
  CHECK(s.book(checkup("2025-01-07 14:00")).outcome == StoreOutcome::SlotTaken);
  CHECK(s.book(checkup("2025-01-07 14:30")).outcome == StoreOutcome::SlotTaken);  // buffer
  CHECK(s.book(checkup("2025-01-07 13:35")).outcome == StoreOutcome::SlotTaken);  // its buffer
  CHECK(s.book(checkup("2025-01-07 14:40")).outcome == StoreOutcome::Ok);         // touches
  CHECK(s.book(checkup("2025-01-07 13:20")).outcome == StoreOutcome::Ok);         // ends 14:00
  CHECK(s.book(checkup("2025-01-07 14:00", {"haddad"})).outcome == StoreOutcome::Ok);
  // With two candidates the first free one is taken.
  auto both = s.book(checkup("2025-01-07 16:00", {"lee", "haddad"}));
  CHECK(both.appointment->staffId == "lee");
  both = s.book(checkup("2025-01-07 16:00", {"lee", "haddad"}));
  CHECK(both.appointment->staffId == "haddad");
  CHECK(s.book(checkup("2025-01-07 16:00", {"lee", "haddad"})).outcome == StoreOutcome::SlotTaken);
  auto busy = s.busy("demo", {"lee"}, utc("2025-01-07 00:00"), utc("2025-01-08 00:00"));
  CHECK(busy.size() == 4);
  CHECK(busy.front().start == utc("2025-01-07 13:20"));
  CHECK(s.busy("other", {"lee"}, utc("2025-01-07 00:00"), utc("2025-01-08 00:00")).empty());
  CHECK(s.integrityCheck() == "ok");
}

TEST_CASE("store: the database trigger refuses an overlap even if the check were skipped") {
  test::TempDir dir;
  {
    SqliteBookingStore s(dir.file("b.sqlite"));
    s.book(checkup("2025-01-07 14:00"));
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.file("b.sqlite").c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc =
      sqlite3_exec(db,
                   "INSERT INTO appointments VALUES('XXXXXX','demo','lee','checkup','+15551234567',"
                   "'Eve', 1736259000, 1736260800, 1736261400, 'booked', '', 0, 0)",
                   nullptr, nullptr, &err);
  CHECK(rc != SQLITE_OK);
  CHECK(std::string(err ? err : "").find("overlapping") != std::string::npos);
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST_CASE("store: an idempotency key returns the first result instead of booking twice") {
  test::TempDir dir;
  SqliteBookingStore s(dir.file("b.sqlite"));
  auto req = checkup("2025-01-07 14:00");
  req.idempotencyKey = "call-1:tool-1";
  auto first = s.book(req);
  auto again = s.book(req);
  CHECK(first.outcome == StoreOutcome::Ok);
  CHECK(again.outcome == StoreOutcome::Replayed);
  CHECK(again.appointment->id == first.appointment->id);
  CHECK(s.list("demo", 10).size() == 1);
  req.idempotencyKey = "call-1:tool-2";
  CHECK(s.book(req).outcome == StoreOutcome::SlotTaken);
}

TEST_CASE("store: cancel and reschedule only the owner's appointments, with history") {
  test::TempDir dir;
  SqliteBookingStore s(dir.file("b.sqlite"));
  auto a = *s.book(checkup("2025-01-07 14:00")).appointment;
  auto blocker = *s.book(checkup("2025-01-07 16:00")).appointment;
  auto now = utc("2025-01-02 12:00");
  CHECK(s.cancel("demo", a.id, "+15550000000", "", "test", now).outcome == StoreOutcome::NotFound);
  CHECK(s.cancel("demo", "NOPE00", "+15551234567", "", "test", now).outcome ==
        StoreOutcome::NotFound);
  // Reschedule: into its own old block is fine, onto another booking is not.
  CHECK(s.reschedule("demo", a.id, "+15551234567", utc("2025-01-07 14:15"), "", "test", now)
            .outcome == StoreOutcome::Ok);
  CHECK(s.reschedule("demo", a.id, "+15551234567", utc("2025-01-07 15:50"), "", "test", now)
            .outcome == StoreOutcome::SlotTaken);
  CHECK(s.reschedule("demo", a.id, "+15550000000", utc("2025-01-08 14:00"), "", "test", now)
            .outcome == StoreOutcome::NotFound);
  auto moved =
      s.reschedule("demo", a.id, "+15551234567", utc("2025-01-08 14:00"), "k1", "test", now);
  CHECK(moved.appointment->start == utc("2025-01-08 14:00"));
  CHECK(moved.appointment->id == a.id);
  CHECK(s.reschedule("demo", a.id, "+15551234567", utc("2025-01-09 14:00"), "k1", "test", now)
            .outcome == StoreOutcome::Replayed);
  auto c = s.cancel("demo", a.id, "+15551234567", "feeling better", "test", now);
  CHECK(c.outcome == StoreOutcome::Ok);
  CHECK(c.appointment->status == AppointmentStatus::Cancelled);
  CHECK(s.cancel("demo", a.id, "+15551234567", "", "test", now).outcome == StoreOutcome::NotActive);
  // The cancelled slot is free again.
  CHECK(s.book(checkup("2025-01-08 14:00")).outcome == StoreOutcome::Ok);
  auto h = s.history("demo", a.id);
  REQUIRE(h.size() == 4);
  CHECK(h[0].action == "booked");
  CHECK(h[1].action == "rescheduled");
  CHECK(h[2].detail == "from 2025-01-07T14:15:00Z to 2025-01-08T14:00:00Z");
  CHECK(h[3].action == "cancelled");
  CHECK(h[3].detail == "feeling better");
  CHECK(s.setStatus("demo", blocker.id, AppointmentStatus::Completed, "test", now).ok());
  CHECK(s.get("demo", blocker.id)->status == AppointmentStatus::Completed);
  auto mine = s.findByPhone("demo", "+15551234567", utc("2025-01-01 00:00"));
  CHECK(mine.size() == 3);
  CHECK(s.findByPhone("demo", "+15551234567", utc("2025-01-09 00:00")).empty());
}

TEST_CASE("store: invalid requests and unopenable files are StoreErrors") {
  test::TempDir dir;
  SqliteBookingStore s(dir.file("b.sqlite"));
  auto bad = checkup("2025-01-07 14:00");
  bad.duration = std::chrono::minutes(0);
  CHECK_THROWS_AS(s.book(bad), StoreError);
  bad = checkup("2025-01-07 14:00", {});
  CHECK_THROWS_AS(s.book(bad), StoreError);
  CHECK_THROWS_AS(SqliteBookingStore("/proc/parley-cannot-create/b.sqlite"), StoreError);
}

TEST_CASE("store: a held write lock makes a booking fail as busy after its timeout") {
  test::TempDir dir;
  SqliteBookingStore s(dir.file("b.sqlite"));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.file("b.sqlite").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  try {
    s.book(checkup("2025-01-07 14:00"), std::chrono::milliseconds(50));
    FAIL("expected a busy StoreError");
  } catch (const StoreError& e) {
    CHECK(e.busy());
  }
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  CHECK(s.book(checkup("2025-01-07 14:00")).ok());
}
