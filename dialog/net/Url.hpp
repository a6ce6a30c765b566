#pragma once
// Splits the provider URLs Parley connects to (ws, wss, http, https) into the parts libwebsockets
// needs, and builds query strings (RFC 3986 §2.1 percent-encoding). Config input, so garbage
// gives nullopt rather than an exception.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::dialog {

struct Url {
  std::string scheme;  ///< lowercase: "ws", "wss", "http" or "https"
  std::string host;    ///< without brackets for IPv6 literals
  uint16_t port = 0;   ///< explicit or the scheme's default (80/443)
  std::string path;    ///< path and query, always starting with '/'
  bool tls() const { return scheme == "wss" || scheme == "https"; }

  /// nullopt on an unknown scheme, empty host, bad port or a string over 8 KiB.
  static std::optional<Url> parse(std::string_view text);
};

/// RFC 3986 unreserved characters pass through, everything else becomes %XX.
std::string percentEncode(std::string_view s);
/// "a=1&b=x%20y" from pairs, each key and value percent-encoded; pairs are kept in order.
std::string buildQuery(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace parley::dialog
