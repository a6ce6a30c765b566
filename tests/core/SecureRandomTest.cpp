// Unguessable ids (core/SecureRandom.hpp): the right length and alphabet, every character
// equally likely, and no two alike.
#include <doctest/doctest.h>

#include <cctype>
#include <map>
#include <set>
#include <stdexcept>

#include "core/SecureRandom.hpp"

using namespace parley::core;

TEST_CASE("secure random tokens have the length and alphabet asked for") {
  const std::string token = secureRandomToken(32);
  CHECK(token.size() == 32);
  for (char c : token) CHECK(std::isalnum(static_cast<unsigned char>(c)));
  const std::string hex = secureRandomHex(24);
  CHECK(hex.size() == 24);
  CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(secureRandomToken(0).empty());
  CHECK(secureRandomString(6, "ABC").find_first_not_of("ABC") == std::string::npos);
  CHECK_THROWS_AS(secureRandomString(4, "A"), std::invalid_argument);
  CHECK_THROWS_AS(secureRandomString(4, ""), std::invalid_argument);
}

TEST_CASE("secure random tokens do not repeat and favour no character") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(secureRandomToken(12));
  CHECK(seen.size() == 1000);
  std::set<uint64_t> numbers;
  for (int i = 0; i < 1000; ++i) numbers.insert(secureRandomU64());
  CHECK(numbers.size() == 1000);

  // 62 000 draws over 62 characters: each expected 1000 times (sd ≈ 31). A modulo bias (256 %
  // 62 = 8 characters drawn 5/4 as often) would put those near 1230; the bounds are ±10 sd.
  std::map<char, int> counts;
  for (char c : secureRandomToken(62'000)) ++counts[c];
  CHECK(counts.size() == 62);
  for (const auto& [c, n] : counts) {
    CHECK_MESSAGE(n > 690, c);
    CHECK_MESSAGE(n < 1150, c);
  }
}
