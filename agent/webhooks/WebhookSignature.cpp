#include "agent/webhooks/WebhookSignature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace parley::agent {

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

std::string signatureHeader(std::string_view secret, int64_t t, std::string_view body) {
  std::string payload = std::to_string(t) + ".";
  payload.append(body);
  return "t=" + std::to_string(t) + ",v1=" + hmacSha256Hex(secret, payload);
}

bool verifySignature(std::string_view secret, std::string_view header, std::string_view body,
                     std::chrono::system_clock::time_point now, std::chrono::seconds window) {
  std::string_view t, v1;
  size_t i = 0;
  while (i < header.size()) {
    size_t comma = header.find(',', i);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view part = header.substr(i, comma - i);
    if (part.substr(0, 2) == "t=") t = part.substr(2);
    if (part.substr(0, 3) == "v1=") v1 = part.substr(3);
    i = comma + 1;
  }
  if (t.empty() || t.size() > 12 || v1.size() != 64) return false;
  for (char c : t)
    if (c < '0' || c > '9') return false;
  int64_t ts = std::strtoll(std::string(t).c_str(), nullptr, 10);
  int64_t nowS = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (std::llabs(nowS - ts) > window.count()) return false;
  std::string payload(t);
  payload += ".";
  payload.append(body);
  std::string expect = hmacSha256Hex(secret, payload);
  return CRYPTO_memcmp(expect.data(), v1.data(), 64) == 0;
}

}  // namespace parley::agent
