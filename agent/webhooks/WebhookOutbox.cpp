#include "agent/webhooks/WebhookOutbox.hpp"

#include "tools/sqlite/SqliteDb.hpp"

namespace parley::agent {
namespace {

const char* const kMigrations[] = {
    R"sql(
CREATE TABLE outbox(
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','delivered','dead')),
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  done_at_ms INTEGER);
CREATE INDEX outbox_due ON outbox(next_at_ms) WHERE state = 'pending';
)sql",
    // 2: state 'forwarded' (the fleet's Redis stream holds the event; any worker delivers it).
    // SQLite cannot change a CHECK constraint in place: rebuild the table.
    R"sql(
CREATE TABLE outbox_v2(
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','delivered','dead','forwarded')),
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  done_at_ms INTEGER);
INSERT INTO outbox_v2 SELECT id, tenant, type, body, created_at_ms, attempts, next_at_ms, state,
  last_status, last_error, done_at_ms FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_at_ms) WHERE state = 'pending';
)sql",
};

constexpr auto kBusyTimeout = std::chrono::milliseconds(5000);
constexpr size_t kMaxErrorBytes = 300;  // curl's messages are short; bound what we keep

}  // namespace

class WebhookOutbox::Db : public tools::SqliteDb {
 public:
  explicit Db(const std::filesystem::path& file)
      : SqliteDb(file, kMigrations, "webhook outbox", kBusyTimeout) {}
};

WebhookOutbox::WebhookOutbox(const std::filesystem::path& file) : db_(std::make_unique<Db>(file)) {}

WebhookOutbox::~WebhookOutbox() = default;

bool WebhookOutbox::add(const OutboxItem& item, int64_t nowMs) {
  std::lock_guard lock(mutex_);
  tools::SqliteDb::Transaction tx(*db_, kBusyTimeout);
  auto s = db_->prepare(
      "INSERT OR IGNORE INTO outbox(id, tenant, type, body, created_at_ms, next_at_ms, state) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')");
  s.bind(1, item.id).bind(2, item.tenant).bind(3, item.type).bind(4, item.body);
  s.bind(5, item.createdAtMs).bind(6, nowMs);
  s.step();
  bool added = db_->changes() > 0;
  tx.commit();
  return added;
}

std::vector<OutboxItem> WebhookOutbox::due(int64_t nowMs, size_t limit,
                                           const std::set<std::string>& skip) {
  std::lock_guard lock(mutex_);
  auto s = db_->prepare(
      "SELECT id, tenant, type, body, attempts, created_at_ms, next_at_ms FROM outbox "
      "WHERE state = 'pending' AND next_at_ms <= ?1 ORDER BY next_at_ms, created_at_ms LIMIT ?2");
  s.bind(1, nowMs).bind(2, static_cast<int64_t>(limit + skip.size()));
  std::vector<OutboxItem> out;
  while (s.step() && out.size() < limit) {
    OutboxItem i{s.text(0), s.text(1), s.text(2), s.text(3), static_cast<int>(s.i64(4)),
                 s.i64(5),  s.i64(6)};
    if (!skip.count(i.id)) out.push_back(std::move(i));
  }
  return out;
}

std::optional<int64_t> WebhookOutbox::nextDueMs() {
  std::lock_guard lock(mutex_);
  auto s = db_->prepare("SELECT min(next_at_ms) FROM outbox WHERE state = 'pending'");
  if (!s.step() || s.isNull(0)) return std::nullopt;
  return s.i64(0);
}

void WebhookOutbox::update(const char* sql, const std::string& id, int64_t attempts, int64_t atMs,
                           int status, const std::string& error) {
  std::lock_guard lock(mutex_);
  tools::SqliteDb::Transaction tx(*db_, kBusyTimeout);
  auto s = db_->prepare(sql);
  s.bind(1, id).bind(2, attempts).bind(3, atMs).bind(4, static_cast<int64_t>(status));
  s.bind(5, error.substr(0, kMaxErrorBytes));
  s.step();
  tx.commit();
}

void WebhookOutbox::delivered(const std::string& id, int64_t nowMs, int status) {
  update(
      "UPDATE outbox SET state = 'delivered', attempts = attempts + ?2, done_at_ms = ?3, "
      "last_status = ?4, last_error = ?5 WHERE id = ?1",
      id, 1, nowMs, status, "");
}

void WebhookOutbox::retryLater(const std::string& id, int attempts, int64_t nextAtMs, int status,
                               const std::string& error) {
  update(
      "UPDATE outbox SET attempts = ?2, next_at_ms = ?3, last_status = ?4, last_error = ?5 "
      "WHERE id = ?1 AND state = 'pending'",
      id, attempts, nextAtMs, status, error);
}

void WebhookOutbox::forwarded(const std::string& id, int64_t nowMs) {
  update(
      "UPDATE outbox SET state = 'forwarded', attempts = attempts + ?2, done_at_ms = ?3, "
      "last_status = ?4, last_error = ?5 WHERE id = ?1 AND state = 'pending'",
      id, 0, nowMs, 0, "");
}

void WebhookOutbox::dead(const std::string& id, int attempts, int64_t nowMs, int status,
                         const std::string& error) {
  update(
      "UPDATE outbox SET state = 'dead', attempts = ?2, done_at_ms = ?3, last_status = ?4, "
      "last_error = ?5 WHERE id = ?1",
      id, attempts, nowMs, status, error);
}

WebhookOutbox::Counts WebhookOutbox::counts() {
  std::lock_guard lock(mutex_);
  Counts c;
  auto s = db_->prepare("SELECT state, count(*) FROM outbox GROUP BY state");
  while (s.step()) {
    std::string st = s.text(0);
    if (st == "pending") c.pending = s.i64(1);
    if (st == "delivered") c.delivered = s.i64(1);
    if (st == "dead") c.dead = s.i64(1);
    if (st == "forwarded") c.forwarded = s.i64(1);
  }
  return c;
}

std::optional<std::string> WebhookOutbox::stateOf(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto s = db_->prepare("SELECT state FROM outbox WHERE id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

}  // namespace parley::agent
