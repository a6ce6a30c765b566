#include "dialog/net/RetryAfter.hpp"

#include <curl/curl.h>

#include <charconv>
#include <string>

namespace parley::dialog {

namespace {
bool parseNumber(std::string_view s, double& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty() || s.size() > 32) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && out >= 0 && out < 1e9;
}
}  // namespace

uint64_t retryAfterMs(const HttpHeaders& headers, std::time_t now) {
  double v = 0;
  if (parseNumber(findHeader(headers, "retry-after-ms"), v)) return static_cast<uint64_t>(v);
  std::string_view ra = findHeader(headers, "retry-after");
  if (ra.empty()) return 0;
  if (parseNumber(ra, v)) return static_cast<uint64_t>(v * 1000.0);
  if (ra.size() > 64) return 0;
  std::time_t when = curl_getdate(std::string(ra).c_str(), nullptr);  // RFC 9110 HTTP-date
  if (when <= now) return 0;
  return static_cast<uint64_t>(when - now) * 1000;
}

}  // namespace parley::dialog
