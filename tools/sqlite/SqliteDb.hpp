#pragma once
// One SQLite connection (C API) opened the way every Parley store opens its file: parent folder
// created, WAL journal, synchronous=FULL (a committed write survives a crash or power loss),
// foreign keys on, and versioned schema migrations (PRAGMA user_version) applied in one
// transaction. Prepared statements are cached per SQL text. Not thread-safe: the owning store
// serialises use with its own mutex.
//
// Used by the booking store (tools/booking), the call records store (agent/records) and the
// webhook outbox (agent/webhooks).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "core/Error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace parley::tools {

/// A SQLite failure. `busy()` is true when another writer held the lock past the timeout, so
/// retrying may help.
class SqliteError : public core::Error {
 public:
  SqliteError(const std::string& what, bool busy) : core::Error(what), busy_(busy) {}
  bool busy() const noexcept { return busy_; }

 private:
  bool busy_;
};

class SqliteDb {
 public:
  /// Opens (creating it and its parent folder) and migrates `file`. `migrations[i]` takes the
  /// schema from user_version i to i + 1; never edit a shipped step, append one. `label` prefixes
  /// error messages ("call records"). Throws via raise() (SqliteError by default) if the file
  /// cannot be opened, is not SQLite, or has a newer schema than `migrations.size()`.
  SqliteDb(const std::filesystem::path& file, std::span<const char* const> migrations,
           std::string label, std::chrono::milliseconds busyTimeout);
  virtual ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  /// Throws the error type of the store using this connection. Default: SqliteError with
  /// "<label>: <what>".
  [[noreturn]] virtual void raise(const std::string& what, bool busy) const;
  /// Throws for a failed call with result code `rc` (message from sqlite3_errmsg).
  [[noreturn]] void fail(const std::string& what, int rc) const;
  /// Runs one or more statements without results. Throws on error.
  void exec(const char* sql);
  /// Schema version of the open file (PRAGMA user_version).
  int schemaVersion();
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const;
  sqlite3* handle() const { return db_; }
  const std::string& label() const { return label_; }

  /// A prepared statement borrowed from the cache; reset and unbound when the scope ends.
  /// Parameters are 1-based, columns 0-based.
  class Stmt {
   public:
    Stmt(SqliteDb& owner, sqlite3_stmt* st) : owner_(owner), st_(st) {}
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& bind(int i, int64_t v);
    Stmt& bind(int i, double v);
    Stmt& bind(int i, const std::string& v);
    Stmt& bindNull(int i);
    /// UTC time as whole seconds since the Unix epoch (INTEGER column).
    Stmt& bind(int i, std::chrono::sys_seconds t) {
      return bind(i, static_cast<int64_t>(t.time_since_epoch().count()));
    }
    /// True if a row is ready; false when done. Throws (constraint, busy, I/O).
    bool step();
    int64_t i64(int c) const;
    double f64(int c) const;
    std::string text(int c) const;
    bool isNull(int c) const;
    std::chrono::sys_seconds time(int c) const {
      return std::chrono::sys_seconds(std::chrono::seconds(i64(c)));
    }

   private:
    SqliteDb& owner_;
    sqlite3_stmt* st_;
  };
  /// Prepares (once per distinct text) and returns a statement. Throws on a SQL error.
  Stmt prepare(const std::string& sql);

  /// BEGIN IMMEDIATE … COMMIT, rolled back if the scope ends without commit(). Waits up to
  /// `timeout` for another writer's lock.
  class Transaction {
   public:
    Transaction(SqliteDb& db, std::chrono::milliseconds timeout);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

   private:
    SqliteDb& db_;
    bool open_ = false;
  };

 protected:
  /// For subclasses whose raise() override needs the object fully built: call open() from
  /// their constructor instead.
  SqliteDb(std::string label, std::chrono::milliseconds busyTimeout);
  void open(const std::filesystem::path& file, std::span<const char* const> migrations);

 private:
  sqlite3* db_ = nullptr;
  std::string label_;
  std::chrono::milliseconds busyTimeout_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace parley::tools
