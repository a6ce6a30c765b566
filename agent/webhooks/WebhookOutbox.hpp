#pragma once
// The durable webhook outbox (issue 10): every event for a tenant with a webhook is written to a
// SQLite file under data_dir (tools/sqlite/SqliteDb: WAL, synchronous=FULL) before any delivery
// is tried, and stays "pending" until the receiver answers 2xx — so a crash or restart loses
// nothing (at-least-once). Rows are keyed by the event id; adding the same id twice is a no-op.
// Thread-safe (one mutex); the dispatcher uses it from the fleet loop thread.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace parley::agent {

struct OutboxItem {
  std::string id;  ///< event id ("evt_…")
  std::string tenant;
  std::string type;
  std::string body;  ///< the JSON envelope, exactly as signed and sent
  int attempts = 0;  ///< deliveries tried so far
  int64_t createdAtMs = 0;
  int64_t nextAtMs = 0;
};

class WebhookOutbox {
 public:
  /// Opens (creating) the outbox at `file`. Throws tools::SqliteError ("webhook outbox: …").
  explicit WebhookOutbox(const std::filesystem::path& file);
  ~WebhookOutbox();
  WebhookOutbox(const WebhookOutbox&) = delete;
  WebhookOutbox& operator=(const WebhookOutbox&) = delete;

  /// Stores a pending event due at `nowMs`. False if that id is already stored.
  bool add(const OutboxItem& item, int64_t nowMs);
  /// Pending items due at `nowMs` (oldest first), at most `limit`, skipping ids in `skip`
  /// (deliveries already in flight).
  std::vector<OutboxItem> due(int64_t nowMs, size_t limit, const std::set<std::string>& skip);
  /// The earliest next_at of any pending item, or nullopt when none is pending.
  std::optional<int64_t> nextDueMs();
  /// The receiver answered 2xx: the item is done.
  void delivered(const std::string& id, int64_t nowMs, int status);
  /// A failed attempt: `attempts` so far, retry at `nextAtMs`.
  void retryLater(const std::string& id, int attempts, int64_t nextAtMs, int status,
                  const std::string& error);
  /// The fleet's Redis stream holds the event now (WebhookStream): not delivered from here.
  /// Only a pending row changes.
  void forwarded(const std::string& id, int64_t nowMs);
  /// Gave up (older than webhooks.max_age_h): kept for inspection, never sent again.
  void dead(const std::string& id, int attempts, int64_t nowMs, int status,
            const std::string& error);

  struct Counts {
    int64_t pending = 0, delivered = 0, dead = 0, forwarded = 0;
  };
  Counts counts();
  /// "pending", "delivered", "dead", "forwarded" or nullopt (tests, inspection).
  std::optional<std::string> stateOf(const std::string& id);

 private:
  /// One fsync'd UPDATE of a row: ?1 id, ?2 attempts, ?3 time (ms), ?4 status, ?5 error.
  void update(const char* sql, const std::string& id, int64_t attempts, int64_t atMs, int status,
              const std::string& error);
  class Db;
  std::unique_ptr<Db> db_;
  std::mutex mutex_;
};

}  // namespace parley::agent
