#pragma once
// Bearer-token checks for HTTP routes (RFC 6750 §2.1, the scheme WHIP RFC 9725 §4.5 requires).
// The comparison takes time that depends only on the expected token's length, never on how
// much of a guess is right.
#include <optional>
#include <string_view>

namespace parley::agent {

/// The token of an Authorization header value "Bearer <token>" (scheme case-insensitive, one
/// or more spaces), or nullopt for a missing header, another scheme or an empty token.
std::optional<std::string_view> bearerToken(std::string_view authorization);

/// True if `given` equals `expected`. Runs over every byte of `expected` whatever `given` is
/// (timing reveals at most the expected length).
bool constantTimeEquals(std::string_view expected, std::string_view given);

/// True if the Authorization header value carries exactly `expected` as a bearer token.
/// `expected` must be non-empty (an empty token means "no token required": check that first).
bool bearerMatches(std::string_view authorization, std::string_view expected);

}  // namespace parley::agent
