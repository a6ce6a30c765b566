#pragma once
// Loads and validates tenant files (`config/tenants/*.yaml`, DESIGN.md §7). Every problem stops
// the load with core::ConfigError naming the file:line, the key path
// ("services[2].duration_minutes") and the reason, like the main config loader (core/Config.hpp).
// Unknown keys are errors, so a typo never silently drops a setting. `language` and the
// `languages:` entries are checked as TenantLanguage.hpp describes: known language, calling codes
// of 1-3 digits used once per tenant, a local voice that can speak the language, a greeting, and
// phrases where Parley has no built-in set.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/Config.hpp"
#include "tools/Tenant.hpp"

namespace parley::tools {

/// A tenant file larger than this is refused: a real one is a few KiB; bounds memory.
constexpr size_t kMaxTenantFileBytes = 256 * 1024;
/// Longest accepted bearer token (RFC 6750 b64token), characters.
constexpr size_t kMaxBearerTokenChars = 512;

/// Parses one tenant from YAML text. `sourceName` (usually the file name) prefixes messages.
/// `webrtc.bearer_token` may use `${VAR}` / `${VAR:-default}`, looked up in `env`; messages
/// about it never quote the value. Throws core::ConfigError.
Tenant loadTenantText(std::string_view yamlText, const std::string& sourceName,
                      const core::EnvLookup& env = core::processEnv());

/// Reads and parses one tenant file. Throws core::ConfigError (also for an unreadable file).
Tenant loadTenantFile(const std::filesystem::path& file);

/// Every tenant of a folder, shared read-only by all calls. Ids and DIDs must be unique across
/// files (ConfigError otherwise).
class TenantDirectory {
 public:
  /// Loads every `*.yaml` / `*.yml` of `dir` in name order. Throws core::ConfigError; a missing
  /// folder is an error too.
  static TenantDirectory loadDir(const std::filesystem::path& dir);
  /// Adds one tenant; throws core::ConfigError on a duplicate id or DID.
  void add(Tenant tenant);

  /// The tenant with this id, or nullptr.
  std::shared_ptr<const Tenant> byId(std::string_view id) const;
  /// The tenant a dialled number (E.164) routes to, or nullptr.
  std::shared_ptr<const Tenant> byPhoneNumber(std::string_view e164) const;
  const std::vector<std::shared_ptr<const Tenant>>& all() const { return tenants_; }

 private:
  std::vector<std::shared_ptr<const Tenant>> tenants_;
};

}  // namespace parley::tools
