#include <doctest/doctest.h>

#include "agent/http/BearerAuth.hpp"

using namespace parley::agent;

TEST_CASE("bearer tokens are read from the Authorization header (RFC 6750 §2.1)") {
  CHECK(bearerToken("Bearer abc.DEF-1") == "abc.DEF-1");
  CHECK(bearerToken("bearer   abc") == "abc");
  CHECK(bearerToken("BEARER abc  ") == "abc");
  CHECK_FALSE(bearerToken(""));
  CHECK_FALSE(bearerToken("Bearer"));
  CHECK_FALSE(bearerToken("Bearer "));
  CHECK_FALSE(bearerToken("Bearerabc"));
  CHECK_FALSE(bearerToken("Basic dXNlcjpwYXNz"));
}

TEST_CASE("tokens compare equal only when identical") {
  CHECK(constantTimeEquals("secret", "secret"));
  CHECK_FALSE(constantTimeEquals("secret", "secreT"));
  CHECK_FALSE(constantTimeEquals("secret", "secret2"));
  CHECK_FALSE(constantTimeEquals("secret", "secre"));
  CHECK_FALSE(constantTimeEquals("secret", ""));
  CHECK_FALSE(constantTimeEquals("secret", std::string_view("secret\0", 7)));
  CHECK(bearerMatches("Bearer secret", "secret"));
  CHECK_FALSE(bearerMatches("Bearer secre", "secret"));
  CHECK_FALSE(bearerMatches("", "secret"));
  CHECK_FALSE(bearerMatches("secret", "secret"));
  CHECK_FALSE(bearerMatches("Bearer ", ""));
}
