#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "core/Clock.hpp"
#include "tools/BookingTools.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley::tools;
using nlohmann::json;

namespace {

constexpr const char* kCaller = "+15551234567";

// One call on the demo tenant, "now" = Monday 2025-01-06 10:00 New York.
struct Fixture {
  test::TempDir dir;
  parley::core::ManualClock clock{test::mondayTen()};
  std::shared_ptr<SqliteBookingStore> store =
      std::make_shared<SqliteBookingStore>(dir.file("b.sqlite"));
  std::unique_ptr<ToolRegistry> tools = call(kCaller, "call-1");

  std::unique_ptr<ToolRegistry> call(const std::string& caller, const std::string& id) {
    return makeBookingTools(test::demoTenant(), store, clock, {id, caller});
  }
  json run(const char* tool, const json& args, const char* toolCallId = "") {
    return tools->callJson(tool, args, toolCallId);
  }
};

std::string code(const json& r) {
  return r.contains("error") ? r["error"]["code"].get<std::string>() : "";
}

}  // namespace

TEST_CASE("tools: the demo call exposes all eight tools") {
  Fixture f;
  CHECK(f.tools->names() == std::vector<std::string>{"check_availability", "book_appointment",
                                                     "find_appointments", "cancel_appointment",
                                                     "reschedule_appointment", "get_business_info",
                                                     "end_call", "transfer_call"});
  auto openai = f.tools->openAiTools();
  CHECK(openai[1]["function"]["parameters"]["required"] ==
        json{"service", "start", "customer_name"});
}

TEST_CASE("check_availability: success forms and earliest first") {
  Fixture f;
  auto r = f.run("check_availability", {{"service", "checkup"}, {"date", "2025-01-07"}});
  REQUIRE(code(r) == "");
  REQUIRE(r["slots"].size() == 5);
  CHECK(r["slots"][0]["start"] == "2025-01-07T09:00:00-05:00");
  CHECK(r["slots"][0]["spoken"] == "Tuesday, January 7 at 9 AM");
  CHECK(r["slots"][0]["staff"] == "Dr. Katherine Lee");
  CHECK(r["slots"][1]["start"] == "2025-01-07T09:15:00-05:00");
  CHECK(r["duration_minutes"] == 30);
  CHECK(r["time_zone"] == "America/New_York");
  // No date: from now on, respecting the lead time.
  r = f.run("check_availability", {{"service", "cleaning"}, {"max_results", 2}});
  CHECK(r["slots"].size() == 2);
  CHECK(r["slots"][0]["start"] == "2025-01-06T11:00:00-05:00");
  // Phrases, staff names as heard, time of day.
  r = f.run("check_availability", {{"service", "a checkup"},
                                   {"date", "tomorrow"},
                                   {"staff", "Omar Hadad"},
                                   {"time_of_day", "afternoon"}});
  CHECK(r["slots"][0]["start"] == "2025-01-07T12:00:00-05:00");
  CHECK(r["slots"][0]["staff_id"] == "haddad");
  r = f.run("check_availability",
            {{"service", "checkup"}, {"date", "tomorrow at 3pm"}, {"max_results", 3}});
  CHECK(r["slots"][0]["start"] == "2025-01-07T14:45:00-05:00");  // the 3 nearest, by time
  CHECK(r["slots"][1]["start"] == "2025-01-07T15:00:00-05:00");
  r = f.run("check_availability",
            {{"service", "whitening"}, {"date_from", "2025-01-11"}, {"date_to", "2025-01-13"}});
  CHECK(r["slots"][0]["start"] == "2025-01-11T09:00:00-05:00");
  CHECK(r["slots"][0]["staff_id"] == "rivera");
  // A closed day: empty, with the next available slots.
  r = f.run("check_availability", {{"service", "checkup"}, {"date", "2025-01-12"}});
  CHECK(r["slots"].empty());
  CHECK(r["next_available"][0]["start"] == "2025-01-13T09:00:00-05:00");
}

TEST_CASE("check_availability: errors") {
  Fixture f;
  CHECK(code(f.run("check_availability", json::object())) == "invalid_arguments");
  auto r = f.run("check_availability", {{"service", "root canal"}});
  CHECK(code(r) == "unknown_service");
  CHECK(r["error"]["services"].size() == 4);
  CHECK(code(f.run("check_availability", {{"service", "cleaning"}, {"staff", "Dr. Lee"}})) ==
        "staff_does_not_do_service");
  CHECK(code(f.run("check_availability", {{"service", "checkup"}, {"staff", "Bob"}})) ==
        "unknown_staff");
  CHECK(code(f.run("check_availability", {{"service", "checkup"}, {"staff", "the dentist"}})) ==
        "ambiguous_staff");
  CHECK(code(f.run("check_availability", {{"service", "checkup"}, {"date", "next friday"}})) ==
        "ambiguous_time");
  CHECK(code(f.run("check_availability", {{"service", "checkup"}, {"date", "purple"}})) ==
        "invalid_time");
  CHECK(code(f.run("check_availability", {{"service", "checkup"}, {"date", "2025-01-01"}})) ==
        "in_past");
  CHECK(code(f.run("check_availability", {{"service", "checkup"}, {"date", "2026-01-01"}})) ==
        "too_far_ahead");
  CHECK(code(f.run("check_availability", {{"service", "checkup"}, {"time_of_day", "dawn"}})) ==
        "invalid_arguments");
}

TEST_CASE("book_appointment: confirmation, caller ID default, idempotent retry") {
  Fixture f;
  json args = {{"service", "checkup"},
               {"start", "2025-01-07T14:30:00-05:00"},
               {"customer_name", "Ada Lovelace"}};
  auto r = f.run("book_appointment", args, "tc-1");
  REQUIRE(code(r) == "");
  CHECK(r["status"] == "booked");
  CHECK(r["replayed"] == false);
  auto a = r["appointment"];
  CHECK(a["start"] == "2025-01-07T14:30:00-05:00");
  CHECK(a["spoken"] == "Tuesday, January 7 at 2:30 PM");
  CHECK(a["staff"] == "Dr. Katherine Lee");
  CHECK(a["service"] == "Checkup");
  CHECK(a["customer_phone"] == kCaller);
  auto again = f.run("book_appointment", args, "tc-1");
  CHECK(again["replayed"] == true);
  CHECK(again["appointment"]["appointment_id"] == a["appointment_id"]);
  // Same slot, new tool call: Lee is taken, so Dr. Haddad gets it; a third time it is full.
  auto second = f.run("book_appointment", args, "tc-2");
  CHECK(second["appointment"]["staff_id"] == "haddad");
  auto third = f.run("book_appointment", args, "tc-3");
  CHECK(code(third) == "slot_taken");
  REQUIRE(third["error"]["alternatives"].size() == 3);
  CHECK(third["error"]["alternatives"][0]["start"] == "2025-01-07T13:45:00-05:00");  // nearest
  CHECK(third["error"]["alternatives"][1]["start"] == "2025-01-07T15:15:00-05:00");
  // Phrase start, named staff, explicit phone.
  r = f.run("book_appointment", {{"service", "cleaning"},
                                 {"start", "Friday at 10am"},
                                 {"customer_name", "Bo"},
                                 {"customer_phone", "(555) 987-6543"},
                                 {"staff", "Sam"}});
  CHECK(r["appointment"]["start"] == "2025-01-10T10:00:00-05:00");
  CHECK(r["appointment"]["customer_phone"] == "+15559876543");
}

TEST_CASE("book_appointment: errors") {
  Fixture f;
  json base = {
      {"service", "checkup"}, {"start", "2025-01-07T14:30:00-05:00"}, {"customer_name", "Ada"}};
  auto with = [&](const char* key, json v) {
    json a = base;
    a[key] = std::move(v);
    return code(f.run("book_appointment", a));
  };
  CHECK(code(f.run("book_appointment", {{"service", "checkup"}})) == "invalid_arguments");
  CHECK(with("start", "2025-01-06T10:30:00-05:00") == "outside_hours");  // inside the lead time
  CHECK(with("start", "2025-01-03T10:30:00-05:00") == "in_past");
  CHECK(with("start", "2025-01-07T17:30:00-05:00") == "outside_hours");
  CHECK(with("start", "2025-01-12T10:00:00-05:00") == "outside_hours");  // Sunday
  CHECK(with("start", "2025-06-10T10:00:00-04:00") == "too_far_ahead");
  CHECK(with("start", "tomorrow") == "need_time");
  CHECK(with("start", "next friday at 2pm") == "ambiguous_time");
  CHECK(with("start", "whenever") == "invalid_time");
  CHECK(with("customer_phone", "not a phone") == "invalid_arguments");
  CHECK(with("service", "haircut") == "unknown_service");
  CHECK(with("staff", "Sam Rivera") == "staff_does_not_do_service");
  CHECK(with("customer_name", "") == "invalid_arguments");
  json outside = base;
  outside["start"] = "2025-01-07T17:30:00-05:00";
  CHECK(f.run("book_appointment", outside)["error"]["alternatives"].size() == 3);
  auto web = f.call("", "web-1");
  CHECK(code(web->callJson("book_appointment", base)) == "phone_required");
}

TEST_CASE("find, cancel and reschedule only the caller's own appointments") {
  Fixture f;
  auto booked = f.run(
      "book_appointment",
      {{"service", "checkup"}, {"start", "2025-01-07T09:00:00-05:00"}, {"customer_name", "Ada"}});
  std::string id = booked["appointment"]["appointment_id"];
  auto list = f.run("find_appointments", json::object());
  REQUIRE(list["appointments"].size() == 1);
  CHECK(list["appointments"][0]["appointment_id"] == id);
  CHECK(code(f.run("find_appointments", {{"customer_phone", "+15550000000"}})) == "not_allowed");
  CHECK(code(f.run("find_appointments", {{"customer_phone", "bogus"}})) == "invalid_arguments");

  auto other = f.call("+15550000000", "call-2");
  CHECK(other->callJson("find_appointments", json::object())["appointments"].empty());
  CHECK(code(other->callJson("cancel_appointment", {{"appointment_id", id}})) == "not_found");
  CHECK(code(other->callJson(
            "reschedule_appointment",
            {{"appointment_id", id}, {"new_start", "2025-01-08T09:00:00-05:00"}})) == "not_found");

  auto moved = f.run("reschedule_appointment",
                     {{"appointment_id", id}, {"new_start", "2025-01-08T09:00:00-05:00"}});
  REQUIRE(code(moved) == "");
  CHECK(moved["status"] == "rescheduled");
  CHECK(moved["previous_start"] == "2025-01-07T09:00:00-05:00");
  CHECK(moved["appointment"]["start"] == "2025-01-08T09:00:00-05:00");
  CHECK(moved["appointment"]["appointment_id"] == id);
  CHECK(code(f.run("reschedule_appointment",
                   {{"appointment_id", id}, {"new_start", "2025-01-11T09:00:00-05:00"}})) ==
        "outside_hours");  // Lee, Saturday
  CHECK(code(f.run("reschedule_appointment", {{"appointment_id", id}, {"new_start", "soonish"}})) ==
        "invalid_time");
  // Someone else takes Lee at 10:00 on the 8th; moving there is slot_taken with Lee's alternatives.
  other->callJson("book_appointment", {{"service", "checkup"},
                                       {"start", "2025-01-08T10:00:00-05:00"},
                                       {"customer_name", "Eve"},
                                       {"staff", "lee"}});
  auto clash = f.run("reschedule_appointment",
                     {{"appointment_id", id}, {"new_start", "2025-01-08T10:00:00-05:00"}});
  CHECK(code(clash) == "slot_taken");
  for (const auto& alt : clash["error"]["alternatives"]) CHECK(alt["staff_id"] == "lee");

  auto cancelled =
      f.run("cancel_appointment", {{"appointment_id", toLowerAscii(id)}, {"reason", "travel"}});
  CHECK(cancelled["status"] == "cancelled");
  CHECK(code(f.run("cancel_appointment", {{"appointment_id", id}})) == "not_active");
  CHECK(code(f.run("reschedule_appointment",
                   {{"appointment_id", id}, {"new_start", "2025-01-09T09:00:00-05:00"}})) ==
        "not_active");
  CHECK(code(f.run("cancel_appointment", {{"appointment_id", "ZZZZZZ"}})) == "not_found");
  CHECK(f.run("find_appointments", json::object())["appointments"].empty());
  // A call without caller ID must say who it is first.
  auto web = f.call("", "web-1");
  CHECK(code(web->callJson("cancel_appointment", {{"appointment_id", id}})) == "phone_required");
  CHECK(code(web->callJson("find_appointments", json::object())) == "phone_required");
  CHECK(web->callJson("find_appointments", {{"customer_phone", "555-000-0000"}})["appointments"]
            .size() == 1);
}

TEST_CASE("cancelling an appointment that already started is refused") {
  Fixture f;
  auto booked = f.run(
      "book_appointment",
      {{"service", "checkup"}, {"start", "2025-01-06T11:00:00-05:00"}, {"customer_name", "Ada"}});
  f.clock.advance(std::chrono::hours(2));
  CHECK(code(f.run("cancel_appointment",
                   {{"appointment_id", booked["appointment"]["appointment_id"]}})) == "in_past");
}

TEST_CASE("get_business_info, end_call, transfer_call") {
  Fixture f;
  auto all = f.run("get_business_info", json::object());
  CHECK(all["business"] == "Maple Street Dental");
  CHECK(all["hours"]["Monday"] == "9 AM to 5 PM");
  CHECK(all["hours"]["Saturday"] == "9 AM to 1 PM");
  CHECK(all["hours"]["Sunday"] == "closed");
  CHECK(all["services"][0]["price"] == "$95");
  CHECK(all["staff"].size() == 3);
  CHECK(all["address"] == "42 Maple Street, Springfield");
  auto prices = f.run("get_business_info", {{"topic", "prices"}});
  CHECK(prices.contains("services"));
  CHECK_FALSE(prices.contains("staff"));
  CHECK(code(f.run("get_business_info", {{"topic", "parking"}})) == "invalid_arguments");
  CHECK(f.run("end_call", {{"reason", "completed"}})["status"] == "ending_call");
  CHECK(code(f.run("end_call", json::object())) == "invalid_arguments");
  CHECK(f.run("transfer_call", json::object())["destination"] == "front_desk");
  CHECK(f.run("transfer_call", {{"destination", "billing"}})["destination"] == "billing");
}

TEST_CASE("a store failure becomes a busy / store_unavailable result") {
  Fixture f;
  struct Broken final : BookingStore {
    bool busyErr;
    explicit Broken(bool b) : busyErr(b) {}
    [[noreturn]] void fail() const { throw StoreError("disk on fire", busyErr); }
    StoreResult book(const BookRequest&, std::chrono::milliseconds) override { fail(); }
    StoreResult cancel(const std::string&, const std::string&, const std::string&,
                       const std::string&, const std::string&, StoreTime,
                       std::chrono::milliseconds) override {
      fail();
    }
    StoreResult reschedule(const std::string&, const std::string&, const std::string&, StoreTime,
                           const std::string&, const std::string&, StoreTime,
                           std::chrono::milliseconds) override {
      fail();
    }
    StoreResult setStatus(const std::string&, const std::string&, AppointmentStatus,
                          const std::string&, StoreTime, std::chrono::milliseconds) override {
      fail();
    }
    std::vector<BusyInterval> busy(const std::string&, const std::vector<std::string>&, StoreTime,
                                   StoreTime) override {
      fail();
    }
    std::vector<Appointment> findByPhone(const std::string&, const std::string&,
                                         StoreTime) override {
      fail();
    }
    std::optional<Appointment> get(const std::string&, const std::string&) override { fail(); }
    std::vector<Appointment> list(const std::string&, size_t) override { fail(); }
    std::vector<AppointmentEvent> history(const std::string&, const std::string&) override {
      fail();
    }
  };
  auto busy =
      makeBookingTools(test::demoTenant(), std::make_shared<Broken>(true), f.clock, {"c", kCaller});
  CHECK(code(busy->callJson("check_availability", {{"service", "checkup"}})) == "busy");
  auto down = makeBookingTools(test::demoTenant(), std::make_shared<Broken>(false), f.clock,
                               {"c", kCaller});
  CHECK(code(down->callJson("find_appointments", json::object())) == "store_unavailable");
}
