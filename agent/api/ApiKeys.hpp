#pragma once
// API keys for the worker's REST API (issue 10 "Security"): `/v1/*` routes of the API need
// `Authorization: Bearer <key>`. Keys are never stored, only their SHA-256 (hex): the admin key
// in config (`api.admin_key_sha256`), per-tenant keys in `api.keys_file`:
//
//   keys:
//     - name: demo-dental-crm        # label for logs and rate limits (not secret)
//       tenant: demo-dental          # the key sees only this tenant's calls
//       sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
//     - name: ops
//       admin: true                  # every tenant
//       sha256: …
//
// A presented key is hashed and compared with every entry in constant time (CRYPTO_memcmp, no
// early exit), so timing tells nothing about which bytes matched. Each key has a token-bucket
// rate limit (`api.rate_limit_per_min`, default 100/min) → 429 with Retry-After.
#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/http/Router.hpp"
#include "core/Clock.hpp"
#include "core/Metrics.hpp"

namespace parley::agent {

using Sha256 = std::array<unsigned char, 32>;

/// SHA-256 of `data`.
Sha256 sha256(std::string_view data);
/// Lower-case hex of a digest.
std::string toHex(const Sha256& digest);
/// Parses 64 hex digits (either case); nullopt otherwise.
std::optional<Sha256> parseSha256Hex(std::string_view hex);

/// Who a request is from.
struct ApiPrincipal {
  std::string name;    ///< the key's label ("admin" for the config admin key)
  std::string tenant;  ///< "" for admin keys
  bool admin = false;
  /// True if this principal may see `tenantId`'s data.
  bool canSee(const std::string& tenantId) const { return admin || tenant == tenantId; }
};

class ApiKeyTable {
 public:
  struct Entry {
    ApiPrincipal principal;
    Sha256 hash{};
  };
  /// Builds the table from the admin hash (hex, "" = none) and the keys file (nullopt or a
  /// missing path = none). Throws core::ConfigError naming the file and entry for a malformed
  /// file, a bad hash, a duplicate name or a tenant key without a tenant.
  static ApiKeyTable load(const std::string& adminSha256Hex,
                          const std::optional<std::filesystem::path>& keysFile);
  /// Same from YAML text (`source` names it in errors).
  static ApiKeyTable fromYaml(const std::string& adminSha256Hex, const std::string& yamlText,
                              const std::string& source);
  /// The principal whose key is `token`, or nullopt. Constant time in the token's content.
  std::optional<ApiPrincipal> authenticate(std::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

/// Token bucket per key name: `perMinute` requests per minute with bursts up to `perMinute`.
/// Thread-safe.
class RateLimiter {
 public:
  RateLimiter(int perMinute, const core::Clock& clock);
  /// Takes one token for `key`: nullopt if allowed, else the whole seconds until one is free
  /// (≥ 1, for Retry-After).
  std::optional<int> take(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    int64_t atNs;
  };
  double perMinute_;
  const core::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

/// A handler of an authenticated API route.
using ApiHandler = std::function<HttpResponse(const HttpRequest&, const ApiPrincipal&)>;

/// Wraps API handlers: 401 (with WWW-Authenticate: Bearer) without a valid key, 429 with
/// Retry-After over the key's rate, else the handler. Counts parley_api_requests_total{result}.
/// Never logs or echoes the presented token.
class ApiGuard {
 public:
  ApiGuard(ApiKeyTable keys, int perMinute, const core::Clock& clock,
           core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  HttpHandler wrap(ApiHandler handler);
  /// The check on its own: the principal, or the 401/429 response to send.
  std::variant<ApiPrincipal, HttpResponse> check(const HttpRequest& request);

 private:
  ApiKeyTable keys_;
  RateLimiter limiter_;
  core::Counter& ok_;
  core::Counter& unauthorized_;
  core::Counter& limited_;
};

}  // namespace parley::agent
