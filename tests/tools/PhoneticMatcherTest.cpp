#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "tools/names/PhoneticMatcher.hpp"

using namespace parley::tools;

TEST_CASE("phonetic keys: same sound, same key") {
  CHECK(doubleMetaphone("Katherine") == doubleMetaphone("Catherine"));
  CHECK(doubleMetaphone("Katherine").first == doubleMetaphone("Kathryn").first);
  CHECK(doubleMetaphone("Katherine").first == "K0RN");
  CHECK(doubleMetaphone("Katherine").second == "KTRN");
  CHECK(doubleMetaphone("Lee").first == doubleMetaphone("Leigh").first);
  CHECK(doubleMetaphone("Haddad").first == doubleMetaphone("Hadad").first);
  CHECK(doubleMetaphone("Rivera").first == doubleMetaphone("Riviera").first);
  CHECK(doubleMetaphone("Philip").first == doubleMetaphone("Filip").first);
  CHECK(doubleMetaphone("Knight").first == doubleMetaphone("Night").first);
  CHECK(doubleMetaphone("Smith").first != doubleMetaphone("Jones").first);
  CHECK(doubleMetaphone("").first.empty());
  CHECK(doubleMetaphone("Xavier").first[0] == 'S');
  CHECK(editDistance("kitten", "sitting") == 3);
  CHECK(editDistance("", "abc") == 3);
}

TEST_CASE("staff names as STT hears them rank the right person first") {
  auto t = test::demoTenant();
  auto best = [&](const char* spoken) {
    auto m = t->staffNames->match(spoken);
    return m.empty() ? std::string("-") : m[0].id;
  };
  CHECK(best("Dr. Katherine") == "lee");
  CHECK(best("Catherine Lee") == "lee");
  CHECK(best("doctor lee") == "lee");
  CHECK(best("Dr. Leigh") == "lee");
  CHECK(best("Kathryn") == "lee");
  CHECK(best("Omar") == "haddad");
  CHECK(best("doctor hadad") == "haddad");
  CHECK(best("Dr. Omar Hadad") == "haddad");
  CHECK(best("Sam") == "rivera");
  CHECK(best("Sam Riviera") == "rivera");
  CHECK(best("the hygienist") == "rivera");
  CHECK(best("Samuel") == "-");  // too far: no candidate rather than a wrong one
  CHECK(best("Bob") == "-");
  CHECK(best("") == "-");
  auto ranked = t->staffNames->match("Catherine Lee");
  CHECK(ranked[0].score > 0.85);
  CHECK(PhoneticMatcher::confident(ranked).size() == 1);
  // "the doctor" fits two people equally: no confident match.
  CHECK(PhoneticMatcher::confident(t->staffNames->match("the dentist")).empty());
}

TEST_CASE("service names match loosely by any word") {
  auto t = test::demoTenant();
  auto best = [&](const char* spoken) {
    auto m = PhoneticMatcher::confident(t->serviceNames->match(spoken));
    return m.empty() ? std::string("-") : m[0].id;
  };
  CHECK(best("a teeth cleaning") == "cleaning");
  CHECK(best("check up") != "cleaning");
  CHECK(best("checkup") == "checkup");
  CHECK(best("whitenning") == "whitening");
  CHECK(best("consultation please") == "consultation");
  CHECK(best("root canal") == "-");
}
