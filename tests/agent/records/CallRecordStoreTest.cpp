// The call records store on a real SQLite file: write, read back, filter, survive a reopen.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/records/CallRecordStore.hpp"
#include "tools/sqlite/SqliteDb.hpp"

using namespace parley;
using namespace std::chrono;

namespace {

std::filesystem::path tempFile(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("parley-records-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  return dir / "calls.sqlite";
}

agent::StoredCall makeCall(const std::string& id, const std::string& tenant,
                           dialog::CallOutcome outcome, agent::WallMs start) {
  agent::StoredCall c;
  c.record.callId = id;
  c.record.tenantId = tenant;
  c.record.callerNumber = "+15555550123";
  c.record.outcome = outcome;
  c.record.summary = "Booked a checkup.";
  c.record.endReason = "end_call";
  c.record.durationS = 42.5;
  c.record.transcript = {{dialog::Speaker::Caller, "I need a checkup", 1.5, false},
                         {dialog::Speaker::Agent, "Sure, when?", 2.5, true}};
  c.record.toolCalls = {{1, "t1", "book_appointment", R"({"service":"checkup"})",
                         R"({"status":"booked"})", 12.0, false},
                        {2, "t2", "check_availability", "not json", R"({"error":"x"})", 3.0, true}};
  dialog::TurnMetrics m;
  m.turn = 1;
  m.voiceToVoiceMs = 812;
  c.record.turns = {m};
  c.leg = "sip";
  c.callee = "+15555550100";
  c.startedAt = start;
  c.endedAt = start + milliseconds(42500);
  return c;
}

agent::WallMs at(const std::string& text) {
  return *agent::parseTime(text);
}

}  // namespace

TEST_CASE("a stored call reads back with every field") {
  auto file = tempFile("fields");
  agent::CallRecordStore store(file);
  store.put(makeCall("sip-1", "demo", dialog::CallOutcome::Booked, at("2026-11-21T03:50:00.250Z")));
  auto j = store.get("sip-1");
  REQUIRE(j);
  CHECK((*j)["id"] == "sip-1");
  CHECK((*j)["tenant"] == "demo");
  CHECK((*j)["leg"] == "sip");
  CHECK((*j)["caller"] == "+15555550123");
  CHECK((*j)["callee"] == "+15555550100");
  CHECK((*j)["started_at"] == "2026-11-21T03:50:00.250Z");
  CHECK((*j)["ended_at"] == "2026-11-21T03:50:42.750Z");
  CHECK((*j)["duration_s"] == 42.5);
  CHECK((*j)["outcome"] == "booked");
  CHECK((*j)["summary"] == "Booked a checkup.");
  CHECK((*j)["transcript"].size() == 2);
  CHECK((*j)["transcript"][1]["speaker"] == "agent");
  CHECK((*j)["transcript"][1]["interrupted"] == true);
  CHECK((*j)["tool_calls"][0]["arguments"]["service"] == "checkup");  // embedded JSON
  CHECK((*j)["tool_calls"][1]["arguments"] == "not json");            // kept as text
  CHECK((*j)["turns"][0]["voice_to_voice_ms"] == 812);
  CHECK((*j)["errors"].size() == 1);
  CHECK((*j)["errors"][0]["tool"] == "check_availability");
  CHECK_FALSE(store.get("nope"));
}

TEST_CASE("list filters by tenant - since and outcome - newest first - and survives a reopen") {
  auto file = tempFile("list");
  {
    agent::CallRecordStore store(file);
    store.put(makeCall("a", "t1", dialog::CallOutcome::Booked, at("2026-11-20T10:00:00Z")));
    store.put(makeCall("b", "t1", dialog::CallOutcome::InfoOnly, at("2026-11-21T10:00:00Z")));
    store.put(makeCall("c", "t2", dialog::CallOutcome::Booked, at("2026-11-21T11:00:00Z")));
    store.put(
        makeCall("c", "t2", dialog::CallOutcome::Booked, at("2026-11-21T11:00:00Z")));  // replay
  }
  agent::CallRecordStore store(file);
  CHECK(store.count() == 3);
  auto all = store.list({});
  REQUIRE(all.size() == 3);
  CHECK(all[0]["id"] == "c");
  CHECK(all[2]["id"] == "a");
  auto t1 = store.list({.tenant = "t1"});
  CHECK(t1.size() == 2);
  auto recent = store.list({.tenant = "t1", .since = at("2026-11-21")});
  REQUIRE(recent.size() == 1);
  CHECK(recent[0]["id"] == "b");
  auto booked = store.list({.outcome = "booked"});
  CHECK(booked.size() == 2);
  CHECK(store.list({.limit = 1}).size() == 1);
}

TEST_CASE("parseTime takes RFC 3339 - dates and Unix seconds - and refuses the rest") {
  CHECK(agent::rfc3339Ms(at("2026-11-21T03:50:00Z")) == "2026-11-21T03:50:00.000Z");
  CHECK(agent::rfc3339Ms(at("2026-11-21T03:50:00.5Z")) == "2026-11-21T03:50:00.500Z");
  CHECK(agent::rfc3339Ms(at("2026-11-21T05:50:00+02:00")) == "2026-11-21T03:50:00.000Z");
  CHECK(agent::rfc3339Ms(at("2026-11-21")) == "2026-11-21T00:00:00.000Z");
  CHECK(agent::rfc3339Ms(at("1763697000")) == "2025-11-21T03:50:00.000Z");
  CHECK_FALSE(agent::parseTime(""));
  CHECK_FALSE(agent::parseTime("yesterday"));
  CHECK_FALSE(agent::parseTime("2026-13-45"));
  CHECK_FALSE(agent::parseTime("2026-11-21T03:50:00Zjunk"));
  CHECK_FALSE(agent::parseTime("99999999999999999999"));
}

TEST_CASE("a file that is not a database is a clear error") {
  auto file = tempFile("garbage");
  std::filesystem::create_directories(file.parent_path());
  {
    FILE* f = fopen(file.c_str(), "wb");
    fputs("this is not sqlite, just text that is long enough to be a header........", f);
    fclose(f);
  }
  try {
    agent::CallRecordStore store(file);
    FAIL("expected an error");
  } catch (const tools::SqliteError& e) {
    CHECK(std::string(e.what()).find("call records") != std::string::npos);
  }
}
