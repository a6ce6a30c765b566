#include "tools/sqlite/SqliteDb.hpp"

#include <sqlite3.h>

#include <cstdlib>
#include <thread>

namespace parley::tools {
namespace {
constexpr int kOpenAttempts = 50;  // retries of the WAL switch while another process creates
}

SqliteDb::SqliteDb(const std::filesystem::path& file, std::span<const char* const> migrations,
                   std::string label, std::chrono::milliseconds busyTimeout)
    : label_(std::move(label)), busyTimeout_(busyTimeout) {
  try {
    open(file, migrations);
  } catch (...) {
    // A constructor that throws never runs the destructor: release the handle here (sqlite3
    // hands one out even when the open fails, e.g. a file that is not a database).
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    cache_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteDb::SqliteDb(std::string label, std::chrono::milliseconds busyTimeout)
    : label_(std::move(label)), busyTimeout_(busyTimeout) {}

SqliteDb::~SqliteDb() {
  for (auto& [sql, st] : cache_) sqlite3_finalize(st);
  if (db_) sqlite3_close_v2(db_);
}

void SqliteDb::open(const std::filesystem::path& file, std::span<const char* const> migrations) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  int rc =
      sqlite3_open_v2(file.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) fail("cannot open " + file.string(), rc);
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(busyTimeout_.count()));
  // Switching to WAL needs a moment alone with the file; another process may be doing the same.
  for (int attempt = 0;; ++attempt) {
    rc = sqlite3_exec(db_, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    int base = rc & 0xff;
    if (rc == SQLITE_OK) break;
    if ((base != SQLITE_BUSY && base != SQLITE_LOCKED) || attempt >= kOpenAttempts)
      fail("cannot switch " + file.string() + " to WAL", rc);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
  Transaction tx(*this, busyTimeout_);
  int version = schemaVersion();
  int target = static_cast<int>(migrations.size());
  if (version > target)
    raise(file.string() + " has schema version " + std::to_string(version) +
              ", newer than this build's " + std::to_string(target),
          false);
  for (int v = version; v < target; ++v) {
    exec(migrations[static_cast<size_t>(v)]);
    exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
  }
  tx.commit();
}

void SqliteDb::raise(const std::string& what, bool busy) const {
  throw SqliteError(label_ + ": " + what, busy);
}

void SqliteDb::fail(const std::string& what, int rc) const {
  int base = rc & 0xff;
  raise(what + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)),
        base == SQLITE_BUSY || base == SQLITE_LOCKED);
  std::abort();  // raise() overrides must throw
}

void SqliteDb::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    int base = rc & 0xff;
    raise(msg, base == SQLITE_BUSY || base == SQLITE_LOCKED);
  }
}

int SqliteDb::schemaVersion() {
  auto s = prepare("PRAGMA user_version");
  return s.step() ? static_cast<int>(s.i64(0)) : 0;
}

int64_t SqliteDb::changes() const {
  return sqlite3_changes(db_);
}

SqliteDb::Stmt SqliteDb::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) fail("prepare", rc);
    it = cache_.emplace(sql, st).first;
  }
  return Stmt(*this, it->second);
}

SqliteDb::Stmt::~Stmt() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

SqliteDb::Stmt& SqliteDb::Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}

SqliteDb::Stmt& SqliteDb::Stmt::bind(int i, double v) {
  sqlite3_bind_double(st_, i, v);
  return *this;
}

SqliteDb::Stmt& SqliteDb::Stmt::bind(int i, const std::string& v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteDb::Stmt& SqliteDb::Stmt::bindNull(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

bool SqliteDb::Stmt::step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  owner_.fail("statement failed", rc);
}

int64_t SqliteDb::Stmt::i64(int c) const {
  return sqlite3_column_int64(st_, c);
}

double SqliteDb::Stmt::f64(int c) const {
  return sqlite3_column_double(st_, c);
}

std::string SqliteDb::Stmt::text(int c) const {
  auto p = sqlite3_column_text(st_, c);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(st_, c)))
           : std::string();
}

bool SqliteDb::Stmt::isNull(int c) const {
  return sqlite3_column_type(st_, c) == SQLITE_NULL;
}

SqliteDb::Transaction::Transaction(SqliteDb& db, std::chrono::milliseconds timeout) : db_(db) {
  sqlite3_busy_timeout(db_.db_, static_cast<int>(std::max<int64_t>(0, timeout.count())));
  db_.exec("BEGIN IMMEDIATE");
  open_ = true;
}

SqliteDb::Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteDb::Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace parley::tools
