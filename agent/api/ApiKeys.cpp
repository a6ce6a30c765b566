#include "agent/api/ApiKeys.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/Error.hpp"

namespace parley::agent {
namespace {

constexpr size_t kMaxKeysFileBytes = 1 << 20;  // a key line is ~120 bytes; 1 MiB is ~8000 keys
constexpr size_t kMaxTokenBytes = 512;         // longer Authorization values are not our keys

}  // namespace

Sha256 sha256(std::string_view data) {
  Sha256 out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string toHex(const Sha256& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : d) {
    s += kHex[c >> 4];
    s += kHex[c & 15];
  }
  return s;
}

std::optional<Sha256> parseSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Sha256 out{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return out;
}

ApiKeyTable ApiKeyTable::load(const std::string& adminSha256Hex,
                              const std::optional<std::filesystem::path>& keysFile) {
  if (!keysFile) return fromYaml(adminSha256Hex, "", "");
  std::error_code ec;
  if (!std::filesystem::exists(*keysFile, ec)) return fromYaml(adminSha256Hex, "", "");
  std::ifstream in(*keysFile, std::ios::binary);
  if (!in) throw core::ConfigError("api.keys_file", keysFile->string(), "cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > kMaxKeysFileBytes)
    throw core::ConfigError("api.keys_file", keysFile->string(), "larger than 1 MiB");
  return fromYaml(adminSha256Hex, text, keysFile->string());
}

ApiKeyTable ApiKeyTable::fromYaml(const std::string& adminSha256Hex, const std::string& yamlText,
                                  const std::string& source) {
  ApiKeyTable t;
  if (!adminSha256Hex.empty()) {
    auto h = parseSha256Hex(adminSha256Hex);
    if (!h)
      throw core::ConfigError("api.admin_key_sha256", "",
                              "must be 64 hex digits (sha256sum of the key), not the key itself");
    t.entries_.push_back({{"admin", "", true}, *h});
  }
  if (yamlText.empty()) return t;
  YAML::Node root;
  try {
    root = YAML::Load(yamlText);
  } catch (const YAML::Exception& e) {
    throw core::ConfigError("api.keys_file", source, std::string("not valid YAML: ") + e.what());
  }
  if (!root || root.IsNull()) return t;
  if (!root.IsMap() || !root["keys"] || !root["keys"].IsSequence())
    throw core::ConfigError("api.keys_file", source, "must be a mapping with a 'keys' list");
  std::set<std::string> names{"admin"};
  size_t i = 0;
  for (const auto& k : root["keys"]) {
    std::string where = source + ": keys[" + std::to_string(i++) + "]";
    if (!k.IsMap()) throw core::ConfigError("api.keys_file", where, "must be a mapping");
    auto str = [&](const char* field) {
      return k[field] && k[field].IsScalar() ? k[field].as<std::string>() : std::string();
    };
    Entry e;
    e.principal.name = str("name");
    e.principal.tenant = str("tenant");
    e.principal.admin =
        k["admin"] && k["admin"].IsScalar() && k["admin"].as<std::string>() == "true";
    if (e.principal.name.empty()) throw core::ConfigError("api.keys_file", where, "needs a name");
    if (!names.insert(e.principal.name).second)
      throw core::ConfigError("api.keys_file", where, "duplicate name '" + e.principal.name + "'");
    if (e.principal.admin == !e.principal.tenant.empty())
      throw core::ConfigError("api.keys_file", where,
                              "needs exactly one of 'tenant: <id>' or 'admin: true'");
    auto h = parseSha256Hex(str("sha256"));
    if (!h)
      throw core::ConfigError("api.keys_file", where,
                              "sha256 must be 64 hex digits (sha256sum of the key)");
    e.hash = *h;
    t.entries_.push_back(std::move(e));
  }
  return t;
}

std::optional<ApiPrincipal> ApiKeyTable::authenticate(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return std::nullopt;
  Sha256 h = sha256(token);
  const Entry* found = nullptr;
  for (const auto& e : entries_)  // no early exit: every entry is compared
    if (CRYPTO_memcmp(h.data(), e.hash.data(), h.size()) == 0) found = &e;
  if (!found) return std::nullopt;
  return found->principal;
}

RateLimiter::RateLimiter(int perMinute, const core::Clock& clock)
    : perMinute_(perMinute), clock_(clock) {}

std::optional<int> RateLimiter::take(const std::string& key) {
  std::lock_guard lock(mutex_);
  int64_t now = clock_.monoNs();
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{perMinute_, now});
  Bucket& b = it->second;
  double perNs = perMinute_ / 60e9;
  b.tokens = std::min(perMinute_, b.tokens + static_cast<double>(now - b.atNs) * perNs);
  b.atNs = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  double waitS = (1.0 - b.tokens) / (perMinute_ / 60.0);
  return std::max(1, static_cast<int>(std::ceil(waitS)));
}

ApiGuard::ApiGuard(ApiKeyTable keys, int perMinute, const core::Clock& clock,
                   core::MetricsRegistry& metrics)
    : keys_(std::move(keys)),
      limiter_(perMinute, clock),
      ok_(metrics.counter("parley_api_requests_total", "API requests by auth result",
                          {{"result", "ok"}})),
      unauthorized_(metrics.counter("parley_api_requests_total", "API requests by auth result",
                                    {{"result", "unauthorized"}})),
      limited_(metrics.counter("parley_api_requests_total", "API requests by auth result",
                               {{"result", "rate_limited"}})) {}

std::variant<ApiPrincipal, HttpResponse> ApiGuard::check(const HttpRequest& request) {
  const std::string& auth = request.header("authorization");
  std::optional<ApiPrincipal> who;
  constexpr std::string_view kScheme = "Bearer ";
  if (auth.size() > kScheme.size() &&
      std::equal(kScheme.begin(), kScheme.end(), auth.begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    who = keys_.authenticate(std::string_view(auth).substr(kScheme.size()));
  if (!who) {
    unauthorized_.inc();
    HttpResponse r =
        HttpResponse::error(401, "missing or unknown API key: send Authorization: Bearer <key>");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"parley\"");
    return r;
  }
  if (auto wait = limiter_.take(who->name)) {
    limited_.inc();
    HttpResponse r = HttpResponse::error(429, "rate limit of this API key exceeded");
    r.headers.emplace_back("Retry-After", std::to_string(*wait));
    return r;
  }
  ok_.inc();
  return *who;
}

HttpHandler ApiGuard::wrap(ApiHandler handler) {
  return [this, handler = std::move(handler)](const HttpRequest& request) {
    auto result = check(request);
    if (auto* r = std::get_if<HttpResponse>(&result)) return std::move(*r);
    return handler(request, std::get<ApiPrincipal>(result));
  };
}

}  // namespace parley::agent
