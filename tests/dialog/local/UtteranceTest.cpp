#include <doctest/doctest.h>

#include "dialog/local/policy/Utterance.hpp"
#include "tests/tools/TestSupport.hpp"

using namespace parley;
using namespace parley::dialog::local;

namespace {
Utterance read(const std::string& s, bool expectName = false) {
  auto t = tools::test::demoTenant();
  auto today = tools::localDay(t->zone, tools::test::mondayTen());
  return readUtterance(s, *t, today, expectName);
}
}  // namespace

TEST_CASE("utterance reads intents") {
  CHECK(read("I'd like to book an appointment").has(Intent::Book));
  CHECK(read("can I reschedule my cleaning").has(Intent::Reschedule));
  CHECK_FALSE(read("can I reschedule my cleaning").has(Intent::Book));
  CHECK(read("I need to cancel").has(Intent::Cancel));
  CHECK(read("when are you open").has(Intent::Hours));
  CHECK(read("how much is whitening").has(Intent::Prices));
  CHECK(read("where are you located").has(Intent::Address));
  CHECK(read("let me talk to a person").has(Intent::Person));
  CHECK(read("ok bye").has(Intent::Goodbye));
  CHECK(read("the weather is nice").intents.empty());
}

TEST_CASE("utterance reads services staff and yes or no") {
  CHECK(read("a teeth cleaning").service->id == "cleaning");
  CHECK(read("I need a check up").service->id == "checkup");
  CHECK(read("with doctor lee").staff->id == "lee");
  CHECK(read("can I see Dr Haddad").staff->id == "haddad");
  CHECK(read("yes please").yes);
  CHECK(read("no").no);
  CHECK_FALSE(read("no").yes);
  CHECK(read("the first one").choice == Choice::First);
  CHECK(read("the second one").choice == Choice::Second);
  CHECK(read("anything later than that").later);
}

TEST_CASE("utterance reads days times names and phone numbers") {
  auto u = read("next wednesday at two thirty");
  REQUIRE(u.when.understood());
  CHECK(*u.when.candidates[0].minute == 14 * 60 + 30);
  CHECK(*read("actually make it 4").when.candidates[0].minute == 16 * 60);
  CHECK(read("my name is john smith").name == "John Smith");
  CHECK(read("it's Mary", true).name == "Mary");
  CHECK(read("Peter Quill", true).name == "Peter Quill");
  CHECK(read("Peter Quill").name.empty());
  CHECK(read("five five five one two three four five six seven").phone == "5551234567");
  CHECK(read("555 123 4567").phone == "5551234567");
  CHECK_FALSE(read("the first one").when.understood());
}

TEST_CASE("utterance bounds and normalises hostile text") {
  std::string big(100000, 'a');
  CHECK(read(big).normalized.size() <= kMaxUtteranceChars);
  CHECK(normalizeText("  Hello,   WORLD!! ") == "hello world");
  CHECK(read(std::string("\0\xff\xfe", 3)).intents.empty());
}
