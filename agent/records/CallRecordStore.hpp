#pragma once
// The worker's call records (issue 10 "Call records and API"): one row per ended call in a local
// SQLite file under data_dir (tools/sqlite/SqliteDb: WAL, synchronous=FULL, migrations). The
// full record is kept as JSON; id, tenant, leg, numbers, times and outcome are columns so
// `GET /v1/calls?tenant=&since=&outcome=` is an index range. Thread-safe (one mutex).
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dialog/conversation/ConversationEvents.hpp"

namespace parley::agent {

using WallMs = std::chrono::sys_time<std::chrono::milliseconds>;

/// A call record with what the session itself does not know: how the call came in, the number
/// it was made to, and wall-clock times.
struct StoredCall {
  dialog::CallRecord record;
  std::string leg;     ///< "webrtc", "sip", "console" or "other"
  std::string callee;  ///< the number called (SIP DID); "" for browsers or when unknown
  WallMs startedAt{};
  WallMs endedAt{};
};

/// The record as the API returns it: {"id","tenant","leg","caller","callee","started_at",
/// "ended_at" (RFC 3339 UTC, ms),"duration_s","outcome","end_reason","summary","language",
/// "transcript":[…],"tool_calls":[…],"turns":[…],"barge_ins":[…],"errors":[…]}. Latencies in ms,
/// negative = not measured. Tool-call arguments/results are embedded as JSON when they parse.
nlohmann::json toJson(const StoredCall& call);
/// "2026-11-21T03:50:00.123Z".
std::string rfc3339Ms(WallMs t);
/// Parses "2026-11-21T03:50:00Z", "2026-11-21T03:50:00.123Z", "2026-11-21" (midnight UTC) or
/// Unix seconds ("1763697000"). nullopt if it is none of these.
std::optional<WallMs> parseTime(const std::string& text);

/// Filter of the list endpoint; empty strings / nullopt = no filter.
struct CallQuery {
  std::string tenant;
  std::optional<WallMs> since;  ///< calls that started at or after this
  std::string outcome;          ///< dialog::toString(CallOutcome), e.g. "booked"
  size_t limit = 50;            ///< newest first
};

class CallRecordStore {
 public:
  /// Opens (creating) the store at `file`. Throws tools::SqliteError ("call records: …").
  explicit CallRecordStore(const std::filesystem::path& file);
  ~CallRecordStore();
  CallRecordStore(const CallRecordStore&) = delete;
  CallRecordStore& operator=(const CallRecordStore&) = delete;

  /// Inserts the record (replaces one with the same id: writes are idempotent). One fsync'd
  /// transaction, typically 1–5 ms: call it off the media loops. Throws tools::SqliteError.
  void put(const StoredCall& call);
  /// The JSON of toJson() for `id`, or nullopt.
  std::optional<nlohmann::json> get(const std::string& id);
  /// Matching records, newest first, at most q.limit.
  std::vector<nlohmann::json> list(const CallQuery& q);
  /// Number of stored records (tests, metrics).
  int64_t count();

 private:
  class Db;
  std::unique_ptr<Db> db_;
  std::mutex mutex_;
};

}  // namespace parley::agent
