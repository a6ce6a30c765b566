#include "agent/records/CallRecordStore.hpp"

#include <date/date.h>

#include <algorithm>

#include "tools/sqlite/SqliteDb.hpp"

namespace parley::agent {
namespace {

using nlohmann::json;

const char* const kMigrations[] = {
    R"sql(
CREATE TABLE calls(
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  leg TEXT NOT NULL,
  caller TEXT NOT NULL,
  callee TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  ended_at_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  body TEXT NOT NULL);
CREATE INDEX calls_by_tenant ON calls(tenant, started_at_ms);
CREATE INDEX calls_by_start ON calls(started_at_ms);
)sql",
};

constexpr auto kBusyTimeout = std::chrono::milliseconds(5000);
constexpr size_t kMaxLimit = 500;  // one page; bounds the response (records are ~2–20 KiB)

/// A JSON text from the LLM or a tool embedded as JSON when it parses, else as a string.
json embed(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

}  // namespace

std::string rfc3339Ms(WallMs t) {
  return date::format("%FT%TZ", t);
}

std::optional<WallMs> parseTime(const std::string& text) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > text.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 12) return std::nullopt;  // seconds, not ms: bound the value
    return WallMs(std::chrono::seconds(std::stoll(text)));
  }
  // YYYY-MM-DD[THH:MM:SS[.fff…](Z|±HH:MM)]
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  if (!y || !mo || !d || text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  date::year_month_day ymd{date::year{*y}, date::month{static_cast<unsigned>(*mo)},
                           date::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  WallMs t{date::sys_days{ymd}};
  if (text.size() == 10) return t;
  auto h = digits(11, 2), mi = digits(14, 2), sec = digits(17, 2);
  if ((text[10] != 'T' && text[10] != 't') || !h || !mi || !sec || text[13] != ':' ||
      text[16] != ':' || *h > 23 || *mi > 59 || *sec > 60)
    return std::nullopt;
  t += std::chrono::hours(*h) + std::chrono::minutes(*mi) + std::chrono::seconds(*sec);
  size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    int ms = 0, scale = 100;
    size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ms += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
    t += std::chrono::milliseconds(ms);
  }
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z') && i + 1 == text.size()) return t;
  if (i + 6 == text.size() && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':') {
    auto oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    auto offset = std::chrono::hours(*oh) + std::chrono::minutes(*om);
    return text[i] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

json toJson(const StoredCall& c) {
  const dialog::CallRecord& r = c.record;
  json transcript = json::array();
  for (const auto& l : r.transcript)
    transcript.push_back({{"speaker", dialog::toString(l.speaker)},
                          {"text", l.text},
                          {"at_s", l.atS},
                          {"interrupted", l.interrupted}});
  json tools = json::array();
  json errors = json::array();
  for (const auto& t : r.toolCalls) {
    tools.push_back({{"turn", t.turn},
                     {"id", t.id},
                     {"name", t.name},
                     {"arguments", embed(t.arguments)},
                     {"result", embed(t.result)},
                     {"duration_ms", t.durationMs},
                     {"error", t.error}});
    if (t.error) errors.push_back({{"kind", "tool"}, {"tool", t.name}, {"turn", t.turn}});
  }
  if (r.endReason == "error") errors.push_back({{"kind", "call"}, {"reason", r.endReason}});
  json turns = json::array();
  for (const auto& m : r.turns)
    turns.push_back({{"turn", m.turn},
                     {"end_of_utterance_delay_ms", m.endOfUtteranceDelayMs},
                     {"stt_final_latency_ms", m.sttFinalLatencyMs},
                     {"llm_time_to_first_token_ms", m.llmTimeToFirstTokenMs},
                     {"tts_time_to_first_byte_ms", m.ttsTimeToFirstByteMs},
                     {"voice_to_voice_ms", m.voiceToVoiceMs},
                     {"tool_rounds", m.toolRounds},
                     {"interrupted", m.interrupted}});
  json bargeIns = json::array();
  for (const auto& b : r.bargeIns)
    bargeIns.push_back({{"turn", b.turn},
                        {"at_s", b.atS},
                        {"onset_to_decision_ms", b.onsetToDecisionMs},
                        {"decision_to_stopped_ms", b.decisionToStoppedMs},
                        {"heard_text", b.heardText},
                        {"by_words", b.byWords}});
  return {{"id", r.callId},
          {"tenant", r.tenantId},
          {"leg", c.leg},
          {"caller", r.callerNumber},
          {"callee", c.callee},
          {"started_at", rfc3339Ms(c.startedAt)},
          {"ended_at", rfc3339Ms(c.endedAt)},
          {"duration_s", r.durationS},
          {"outcome", dialog::toString(r.outcome)},
          {"end_reason", r.endReason},
          {"summary", r.summary},
          {"language", r.language},
          {"transcript", std::move(transcript)},
          {"tool_calls", std::move(tools)},
          {"turns", std::move(turns)},
          {"barge_ins", std::move(bargeIns)},
          {"errors", std::move(errors)}};
}

class CallRecordStore::Db : public tools::SqliteDb {
 public:
  explicit Db(const std::filesystem::path& file)
      : SqliteDb(file, kMigrations, "call records", kBusyTimeout) {}
};

CallRecordStore::CallRecordStore(const std::filesystem::path& file)
    : db_(std::make_unique<Db>(file)) {}

CallRecordStore::~CallRecordStore() = default;

void CallRecordStore::put(const StoredCall& c) {
  std::string body = toJson(c).dump();
  std::lock_guard lock(mutex_);
  tools::SqliteDb::Transaction tx(*db_, kBusyTimeout);
  auto s = db_->prepare(
      "INSERT OR REPLACE INTO calls(id, tenant, leg, caller, callee, started_at_ms, ended_at_ms, "
      "outcome, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.bind(1, c.record.callId)
      .bind(2, c.record.tenantId)
      .bind(3, c.leg)
      .bind(4, c.record.callerNumber)
      .bind(5, c.callee)
      .bind(6, static_cast<int64_t>(c.startedAt.time_since_epoch().count()))
      .bind(7, static_cast<int64_t>(c.endedAt.time_since_epoch().count()))
      .bind(8, std::string(dialog::toString(c.record.outcome)))
      .bind(9, body);
  s.step();
  tx.commit();
}

std::optional<json> CallRecordStore::get(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto s = db_->prepare("SELECT body FROM calls WHERE id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return json::parse(s.text(0));
}

std::vector<json> CallRecordStore::list(const CallQuery& q) {
  std::lock_guard lock(mutex_);
  // One statement for every filter combination: an empty filter matches everything.
  auto s = db_->prepare(
      "SELECT body FROM calls WHERE (?1 = '' OR tenant = ?1) AND started_at_ms >= ?2 "
      "AND (?3 = '' OR outcome = ?3) ORDER BY started_at_ms DESC, id LIMIT ?4");
  s.bind(1, q.tenant)
      .bind(2, q.since ? static_cast<int64_t>(q.since->time_since_epoch().count())
                       : std::numeric_limits<int64_t>::min())
      .bind(3, q.outcome)
      .bind(4, static_cast<int64_t>(std::min(q.limit, kMaxLimit)));
  std::vector<json> out;
  while (s.step()) out.push_back(json::parse(s.text(0)));
  return out;
}

int64_t CallRecordStore::count() {
  std::lock_guard lock(mutex_);
  auto s = db_->prepare("SELECT count(*) FROM calls");
  return s.step() ? s.i64(0) : 0;
}

}  // namespace parley::agent
