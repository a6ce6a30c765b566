#include <doctest/doctest.h>

#include "tools/PhoneNumber.hpp"

using namespace parley::tools;

TEST_CASE("phone numbers normalise to E.164") {
  CHECK(normalizePhone("+15551234567") == "+15551234567");
  CHECK(normalizePhone("+1 (555) 123-4567") == "+15551234567");
  CHECK(normalizePhone("555-123-4567") == "+15551234567");
  CHECK(normalizePhone("15551234567") == "+15551234567");
  CHECK(normalizePhone("tel:+442071234567") == "+442071234567");
  CHECK(normalizePhone("555.123.4567") == "+15551234567");
  CHECK_FALSE(normalizePhone(""));
  CHECK_FALSE(normalizePhone("call me"));
  CHECK_FALSE(normalizePhone("12345"));
  CHECK_FALSE(normalizePhone("+1234567890123456"));  // 16 digits
  CHECK_FALSE(normalizePhone("+0123456789"));
  CHECK_FALSE(normalizePhone("++15551234567"));
  CHECK_FALSE(normalizePhone(std::string(100, '5')));
}
