#include "agent/http/BearerAuth.hpp"

#include <cctype>

namespace parley::agent {

std::optional<std::string_view> bearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i])
      return std::nullopt;
  std::string_view rest = authorization.substr(kScheme.size());
  if (rest.front() != ' ') return std::nullopt;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  if (rest.empty()) return std::nullopt;
  return rest;
}

bool constantTimeEquals(std::string_view expected, std::string_view given) {
  // Accumulate differences over the whole expected token: no early exit on the first mismatch.
  volatile unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(expected[i]) ^ g));
  }
  return diff == 0;
}

bool bearerMatches(std::string_view authorization, std::string_view expected) {
  auto token = bearerToken(authorization);
  // Compare even when the header is missing, so both paths take the same time.
  return constantTimeEquals(expected, token.value_or(std::string_view{})) && token.has_value() &&
         !expected.empty();
}

}  // namespace parley::agent
