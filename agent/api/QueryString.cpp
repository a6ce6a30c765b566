#include "agent/api/QueryString.hpp"

#include "core/Error.hpp"

namespace parley::agent {
namespace {
constexpr size_t kMaxParams = 32;  // our endpoints take ≤ 5; bounds work per request
}

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) throw core::UsageError("bad query string: truncated %-escape");
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) throw core::UsageError("bad query string: bad %-escape");
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parseQuery(std::string_view q) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < q.size()) {
    size_t amp = q.find('&', i);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view item = q.substr(i, amp - i);
    i = amp + 1;
    if (item.empty()) continue;
    if (out.size() >= kMaxParams) throw core::UsageError("bad query string: too many parameters");
    size_t eq = item.find('=');
    std::string name = percentDecode(item.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : percentDecode(item.substr(eq + 1));
    if (!out.emplace(std::move(name), std::move(value)).second)
      throw core::UsageError("bad query string: a parameter is repeated");
  }
  return out;
}

}  // namespace parley::agent
