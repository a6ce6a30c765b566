#pragma once
// The query string of an API request ("tenant=demo&since=2026-11-21T00%3A00%3A00Z"), decoded.
#include <map>
#include <string>
#include <string_view>

namespace parley::agent {

/// Splits on '&' and '=', percent-decodes names and values ('+' is a space). Throws
/// core::UsageError ("bad query string: …") for a malformed %-escape, more than 32 parameters
/// or a repeated name. An empty value is kept ("a=" → {"a",""}).
std::map<std::string, std::string> parseQuery(std::string_view query);

/// Decodes %XX escapes and '+'. Throws core::UsageError on a malformed escape.
std::string percentDecode(std::string_view text);

}  // namespace parley::agent
