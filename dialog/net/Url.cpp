#include "dialog/net/Url.hpp"

#include <algorithm>
#include <cctype>

namespace parley::dialog {

namespace {
constexpr size_t kMaxUrlBytes = 8 * 1024;  // far above any provider URL; bounds config input
}

std::optional<Url> Url::parse(std::string_view text) {
  if (text.size() > kMaxUrlBytes) return std::nullopt;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  Url u;
  u.scheme.assign(text.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (u.scheme != "ws" && u.scheme != "wss" && u.scheme != "http" && u.scheme != "https")
    return std::nullopt;
  std::string_view rest = text.substr(sep + 3);
  size_t pathStart = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, pathStart);
  if (pathStart == std::string_view::npos) {
    u.path = "/";
  } else {
    u.path.assign(rest.substr(pathStart));
    if (u.path.front() == '?') u.path.insert(u.path.begin(), '/');
  }
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host.assign(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      portText = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      portText = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
    }
    u.host.assign(authority);
  }
  if (u.host.empty()) return std::nullopt;
  if (!portText.empty()) {
    if (portText.size() > 5) return std::nullopt;
    uint32_t p = 0;
    for (char c : portText) {
      if (c < '0' || c > '9') return std::nullopt;
      p = p * 10 + static_cast<uint32_t>(c - '0');
    }
    if (p == 0 || p > 65535) return std::nullopt;
    u.port = static_cast<uint16_t>(p);
  } else {
    u.port = u.tls() ? 443 : 80;
  }
  return u;
}

std::string percentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string buildQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += percentEncode(k);
    out.push_back('=');
    out += percentEncode(v);
  }
  return out;
}

}  // namespace parley::dialog
