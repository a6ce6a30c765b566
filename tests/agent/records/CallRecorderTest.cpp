// Which tool results become appointment.* events: fed with results of the real booking tools on
// a real SQLite store (the demo tenant, Monday 2025-01-06 10:00 New York).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/records/CallRecorder.hpp"
#include "core/Clock.hpp"
#include "tools/BookingTools.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley;
using nlohmann::json;

namespace {

dialog::ToolCallRecord record(const std::string& name, const json& result) {
  dialog::ToolCallRecord r;
  r.name = name;
  r.result = result.dump();
  r.error = result.contains("error");
  return r;
}

}  // namespace

TEST_CASE("booking - cancelling and rescheduling become appointment events - replays do not") {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-recorder-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto tenant = std::make_shared<const tools::Tenant>(
      tools::loadTenantFile(std::filesystem::path(PARLEY_SOURCE_DIR) / "config/tenants/demo.yaml"));
  auto store = std::make_shared<tools::SqliteBookingStore>(dir / "b.sqlite");
  core::ManualClock clock(std::chrono::sys_seconds(std::chrono::seconds(1736175600)));  // 15:00Z
  auto tools = tools::makeBookingTools(tenant, store, clock, {"call-1", "+15551234567"});

  json args = {{"service", "checkup"},
               {"start", "2025-01-07T14:30:00-05:00"},
               {"customer_name", "Ada Lovelace"}};
  json booked = tools->callJson("book_appointment", args, "tc-1");
  REQUIRE(booked["status"] == "booked");
  auto e = agent::appointmentEvent(record("book_appointment", booked));
  REQUIRE(e);
  CHECK(e->first == "appointment.booked");
  std::string id = e->second["appointment_id"];
  CHECK(e->second["start"] == "2025-01-07T14:30:00-05:00");

  CHECK_FALSE(agent::appointmentEvent(
      record("book_appointment", tools->callJson("book_appointment", args, "tc-1"))));
  json moved =
      tools->callJson("reschedule_appointment",
                      {{"appointment_id", id}, {"new_start", "2025-01-08T10:00:00-05:00"}});
  auto r = agent::appointmentEvent(record("reschedule_appointment", moved));
  REQUIRE(r);
  CHECK(r->first == "appointment.rescheduled");
  auto c = agent::appointmentEvent(record(
      "cancel_appointment", tools->callJson("cancel_appointment", {{"appointment_id", id}})));
  REQUIRE(c);
  CHECK(c->first == "appointment.cancelled");
  // Errors and other tools are not business events.
  CHECK_FALSE(agent::appointmentEvent(
      record("cancel_appointment",
             tools->callJson("cancel_appointment", {{"appointment_id", "NOPE99"}}))));
  CHECK_FALSE(agent::appointmentEvent(record(
      "check_availability", tools->callJson("check_availability", {{"service", "checkup"}}))));
  std::filesystem::remove_all(dir);
}
