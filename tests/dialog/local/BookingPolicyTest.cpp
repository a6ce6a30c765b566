// Scripted conversations against the booking policy with the real booking tools and a real
// SQLite store. "Now" is Monday 2025-01-06 10:00 in New York (the demo tenant's zone).
#include <doctest/doctest.h>

#include "tests/dialog/local/PolicyHarness.hpp"

using namespace parley;
using namespace parley::dialog::local;
using namespace parley::dialog::local::test;
using nlohmann::json;

namespace {
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
std::string startOf(const tools::Appointment& a) {
  return tools::toIsoLocal(tools::test::demoTenant()->zone, a.start);
}
/// Books `start` for another caller (so the slot is taken).
void bookForSomeoneElse(PolicyHarness& h, const std::string& start, const std::string& service) {
  auto other = tools::makeBookingTools(tools::test::demoTenant(), h.store, h.clock,
                                       {"call-2", "+15559990000"});
  auto r = other->callJson("book_appointment",
                           {{"service", service}, {"start", start}, {"customer_name", "Other"}});
  REQUIRE(r.value("status", "") == "booked");
}
}  // namespace

TEST_CASE("policy greets with the tenant greeting before the caller speaks") {
  PolicyHarness h;
  INFO(h.transcript());
  CHECK(h.greet() == tools::test::demoTenant()->greeting);
  CHECK(h.calls.empty());
}

TEST_CASE("policy books step by step and only after an explicit yes") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  CHECK(contains(h.say("I'd like to book a cleaning"), "Which day"));
  std::string offer = h.say("Tuesday please");
  CHECK(h.called("check_availability"));
  CHECK(h.lastArguments("check_availability")["date"] == "2025-01-07");
  CHECK(contains(offer, "On Tuesday, January 7 I have 9 AM, 9:15 AM or 9:30 AM"));
  CHECK(contains(h.say("the first one"), "your name"));
  std::string confirm = h.say("my name is John Smith");
  CHECK(contains(confirm, "To confirm: a cleaning with Sam Rivera on Tuesday, January 7 at 9 AM"));
  CHECK_FALSE(h.called("book_appointment"));
  std::string done = h.say("yes please");
  CHECK(h.called("book_appointment"));
  CHECK(contains(done, "You're all set"));
  auto b = h.bookings();
  REQUIRE(b.size() == 1);
  CHECK(b[0].serviceId == "cleaning");
  CHECK(b[0].customerName == "John Smith");
  CHECK(startOf(b[0]) == "2025-01-07T09:00:00-05:00");
  CHECK(contains(done, b[0].id));
}

TEST_CASE("policy handles everything said in one sentence") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  std::string confirm =
      h.say("I'd like to book a cleaning on Tuesday at two thirty, my name is Anna Berg");
  CHECK(contains(confirm, "Tuesday, January 7 at 2:30 PM"));
  CHECK(contains(confirm, "Anna Berg"));
  h.say("yes");
  auto b = h.bookings();
  REQUIRE(b.size() == 1);
  CHECK(startOf(b[0]) == "2025-01-07T14:30:00-05:00");
}

TEST_CASE("policy asks which day when next Tuesday is ambiguous") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  std::string q = h.say("can I book a cleaning next Tuesday");
  CHECK(contains(q, "Tuesday, January 7 or Tuesday, January 14"));
  CHECK_FALSE(h.called("check_availability"));
  std::string offer = h.say("the second one");
  CHECK(h.lastArguments("check_availability")["date"] == "2025-01-14");
  CHECK(contains(offer, "January 14"));
}

TEST_CASE("policy takes a different day as a correction") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("book a checkup on tuesday");
  std::string offer = h.say("no, Wednesday");
  CHECK(h.lastArguments("check_availability")["date"] == "2025-01-08");
  CHECK(contains(offer, "Wednesday, January 8"));
}

TEST_CASE("policy offers later slots when asked for later than that") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("I need a cleaning on Tuesday");
  std::string later = h.say("do you have anything later than that");
  CHECK(contains(later, "9:45 AM"));
  CHECK_FALSE(contains(later, "9:30 AM"));
}

TEST_CASE("policy changes the time when told actually make it 4") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("a cleaning on Tuesday at 2, my name is Maria Lopez");
  std::string confirm = h.say("actually make it 4");
  CHECK(contains(confirm, "4 PM"));
  h.say("yes");
  auto b = h.bookings();
  REQUIRE(b.size() == 1);
  CHECK(startOf(b[0]) == "2025-01-07T16:00:00-05:00");
}

TEST_CASE("policy does not book on a no and lets the caller pick again") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("book a cleaning on Wednesday");
  h.say("the first one");
  h.say("it's Tom Baker");
  std::string again = h.say("no");
  CHECK_FALSE(h.called("book_appointment"));
  CHECK(contains(again, "Which time"));
  h.say("the second one");
  h.say("yes");
  auto b = h.bookings();
  REQUIRE(b.size() == 1);
  CHECK(startOf(b[0]) == "2025-01-08T09:15:00-05:00");
}

TEST_CASE("policy offers alternatives when the slot was just taken") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("a checkup on Thursday at 11 am");
  h.say("my name is Lena Park");
  bookForSomeoneElse(h, "2025-01-09T11:00:00-05:00", "checkup");
  bookForSomeoneElse(h, "2025-01-09T11:00:00-05:00", "consultation");
  std::string alt = h.say("yes");
  CHECK(contains(alt, "just taken"));
  CHECK(h.lastResult("book_appointment")["error"]["code"] == "slot_taken");
  h.say("the first one");
  h.say("yes");
  auto b = h.bookings();
  REQUIRE(b.size() == 1);
  CHECK(startOf(b[0]) != "2025-01-09T11:00:00-05:00");
}

TEST_CASE("policy cancels the caller's appointment after a yes") {
  PolicyHarness h;
  INFO(h.transcript());
  h.registry->callJson(
      "book_appointment",
      {{"service", "cleaning"}, {"start", "2025-01-10T10:00:00-05:00"}, {"customer_name", "Ada"}});
  REQUIRE(h.bookings().size() == 1);
  h.greet();
  std::string q = h.say("I need to cancel my appointment");
  CHECK(h.called("find_appointments"));
  CHECK(contains(q, "Friday, January 10 at 10 AM. Shall I cancel it?"));
  std::string done = h.say("yes");
  CHECK(h.called("cancel_appointment"));
  CHECK(contains(done, "is cancelled"));
  CHECK(h.bookings().empty());
}

TEST_CASE("policy says so when there is nothing to cancel") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  CHECK(contains(h.say("please cancel my appointment"), "don't see any upcoming appointments"));
  CHECK_FALSE(h.called("cancel_appointment"));
}

TEST_CASE("policy keeps the appointment when the caller says no to cancelling") {
  PolicyHarness h;
  INFO(h.transcript());
  h.registry->callJson(
      "book_appointment",
      {{"service", "checkup"}, {"start", "2025-01-10T10:00:00-05:00"}, {"customer_name", "Ada"}});
  h.greet();
  h.say("cancel my appointment");
  h.say("no");
  CHECK_FALSE(h.called("cancel_appointment"));
  CHECK(h.bookings().size() == 1);
}

TEST_CASE("policy reschedules an appointment to a new day") {
  PolicyHarness h;
  INFO(h.transcript());
  h.registry->callJson(
      "book_appointment",
      {{"service", "cleaning"}, {"start", "2025-01-10T10:00:00-05:00"}, {"customer_name", "Ada"}});
  h.greet();
  std::string q = h.say("I'd like to reschedule my appointment");
  CHECK(contains(q, "Which day would you like instead"));
  std::string offer = h.say("Wednesday afternoon");
  CHECK(h.lastArguments("check_availability")["time_of_day"] == "afternoon");
  CHECK(contains(offer, "12 PM") + contains(offer, "noon") >= 1);
  h.say("the first one");
  std::string done = h.say("yes");
  CHECK(h.called("reschedule_appointment"));
  CHECK(contains(done, "is now on Wednesday, January 8"));
  auto b = h.bookings();
  REQUIRE(b.size() == 1);
  CHECK(startOf(b[0]).substr(0, 10) == "2025-01-08");
}

TEST_CASE("policy answers opening hours from get_business_info") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  std::string a = h.say("what are your opening hours");
  CHECK(h.lastArguments("get_business_info")["topic"] == "hours");
  CHECK(contains(a, "Monday to Friday 9 AM to 5 PM"));
  CHECK(contains(a, "Sunday we're closed"));
}

TEST_CASE("policy answers prices") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  std::string a = h.say("how much does it cost");
  CHECK(contains(a, "cleaning is $120"));
}

TEST_CASE("policy answers the address and goes back to the open question") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("I want to book a whitening");
  std::string a = h.say("wait where are you located");
  CHECK(contains(a, "42 Maple Street"));
  CHECK(contains(a, "Which day"));
}

TEST_CASE("policy transfers to a person on request") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("can I talk to a real person");
  CHECK(h.called("transfer_call"));
  CHECK_FALSE(h.called("book_appointment"));
}

TEST_CASE("policy says goodbye and ends the call") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  std::string bye = h.say("that's all, bye");
  CHECK(h.called("end_call"));
  CHECK(h.lastArguments("end_call")["reason"] == "completed");
  CHECK(contains(bye, "Goodbye"));
}

TEST_CASE("policy ends the call when nothing else is needed after a booking") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("book a consultation on friday at 3 pm my name is Sam Cole");
  std::string done = h.say("yes");
  CHECK(contains(done, "anything else"));
  h.say("no thank you");
  CHECK(h.called("end_call"));
  CHECK(h.bookings().size() == 1);
}

TEST_CASE("policy re-asks after unclear input") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("I want to book a cleaning");
  std::string q = h.say("hmm");
  CHECK(contains(q, "Sorry, I didn't catch that. Which day works for you?"));
}

TEST_CASE("policy offers a person after repeated unclear input") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("blah");
  h.say("mmm");
  std::string offer = h.say("grr");
  CHECK(contains(offer, "connect you with a person"));
  CHECK_FALSE(h.called("transfer_call"));
  h.say("yes please");
  CHECK(h.called("transfer_call"));
}

TEST_CASE("policy books with the staff member the caller names") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  std::string offer = h.say("a checkup with doctor Lee on wednesday");
  CHECK(h.lastArguments("check_availability")["staff"] == "lee");
  CHECK(contains(offer, "Wednesday, January 8"));
  h.say("the first one");
  h.say("Peter Quill");
  h.say("yes");
  auto b = h.bookings();
  REQUIRE(b.size() == 1);
  CHECK(b[0].staffId == "lee");
}

TEST_CASE("policy offers the next openings when the day is closed") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  std::string offer = h.say("can I get a cleaning on sunday");
  CHECK(contains(offer, "nothing free then"));
  CHECK(contains(offer, "Monday, January 13"));
}

TEST_CASE("policy passes a part of day to check_availability") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("I'd like a checkup tomorrow morning");
  CHECK(h.lastArguments("check_availability")["time_of_day"] == "morning");
  CHECK(h.lastArguments("check_availability")["date"] == "2025-01-07");
}

TEST_CASE("policy asks for a phone number when the call has no caller ID") {
  PolicyHarness h("");
  INFO(h.transcript());
  h.greet();
  h.say("book a cleaning on friday at 10 am, my name is Jo March");
  std::string ask = h.say("yes");
  CHECK(contains(ask, "phone number"));
  h.say("five five five two two two three three three three");
  auto b = h.bookings("+15552223333");
  REQUIRE(b.size() == 1);
  CHECK(b[0].customerName == "Jo March");
}

TEST_CASE("policy asks what to book when no service is said") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  std::string q = h.say("I'd like to make an appointment");
  CHECK(contains(q, "We offer checkup, cleaning, whitening or consultation"));
  CHECK(contains(h.say("a whitening please"), "Which day"));
}

TEST_CASE("policy reads dates like the fifteenth at 10am") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  CHECK(contains(h.say("a consultation on the fifteenth at 10am"), "your name"));
  CHECK(contains(h.say("Ann Lee"), "Wednesday, January 15 at 10 AM"));
}

TEST_CASE("policy treats a service and a day without a verb as a booking") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("cleaning on thursday");
  CHECK(h.called("check_availability"));
}

TEST_CASE("policy replies the same way to the same conversation") {
  PolicyHarness a;
  PolicyHarness b;
  a.greet();
  b.greet();
  for (const char* line : {"book a cleaning", "friday", "the third one", "Kim Lee"}) {
    CHECK(a.say(line) == b.say(line));
  }
  CHECK(a.messages == b.messages);
}

TEST_CASE("policy picks an offered slot by its time") {
  PolicyHarness h;
  INFO(h.transcript());
  h.greet();
  h.say("a cleaning on tuesday");
  std::string r = h.say("9:30 please, my name is Ida Wells");
  CHECK(contains(r, "Tuesday, January 7 at 9:30 AM"));
}

TEST_CASE("policy refuses messages that are not a conversation") {
  PolicyHarness h;
  INFO(h.transcript());
  CHECK_THROWS_AS(h.policy.next(json::object()), std::invalid_argument);
  CHECK_THROWS_AS(h.policy.next(json::array({{{"content", "hi"}}})), std::invalid_argument);
  CHECK_THROWS_AS(h.policy.next(json::array({{{"role", "wizard"}, {"content", "hi"}}})),
                  std::invalid_argument);
  // A tool result that is not JSON, and one for an unknown call, do not break the replay.
  json m = json::array(
      {{{"role", "user"}, {"content", "book a cleaning on tuesday"}},
       {{"role", "assistant"},
        {"content", nullptr},
        {"tool_calls",
         json::array({{{"id", "c1"},
                       {"type", "function"},
                       {"function", {{"name", "check_availability"}, {"arguments", "{}"}}}}})}},
       {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "not json"}},
       {{"role", "tool"}, {"tool_call_id", "zz"}, {"content", "{}"}}});
  auto r = h.policy.next(m);
  CHECK(contains(r.text, "Sorry"));
}
