#pragma once
// Per-tenant webhook endpoints (`webhooks.file`, default config/webhooks.yaml):
//
//   tenants:
//     demo-dental:
//       url: https://crm.example.com/parley/events
//       secret_env: DEMO_DENTAL_WEBHOOK_SECRET      # the signing secret from the environment,
//       # secret_file: /run/secrets/demo-webhook    # or from a file only its owner can read
//       events: [call.ended, appointment.booked]    # optional; default every event
//
// Secrets never appear in the file itself, in logs, metrics or error messages: a secret_file
// must not be readable by group or others (mode 0600 or 0400), else the worker refuses to start.
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/Config.hpp"

namespace parley::agent {

struct WebhookEndpoint {
  std::string tenant;
  std::string url;               ///< http:// or https://
  std::string secret;            ///< HMAC key; never logged
  std::set<std::string> events;  ///< empty = every event type
  bool wants(const std::string& type) const { return events.empty() || events.count(type) > 0; }
};

/// The event types a webhook may subscribe to.
const std::set<std::string>& webhookEventTypes();

class WebhookEndpoints {
 public:
  /// Loads `file` (a missing file = no webhooks). Throws core::ConfigError naming the file and
  /// tenant for a malformed entry, an unknown event type, a missing or empty secret, or a
  /// secret_file readable by others — never with the secret in the message.
  static WebhookEndpoints load(const std::optional<std::filesystem::path>& file,
                               const core::EnvLookup& env = core::processEnv());
  static WebhookEndpoints fromYaml(const std::string& yamlText, const std::string& source,
                                   const core::EnvLookup& env = core::processEnv());
  /// The tenant's endpoint, or nullptr.
  const WebhookEndpoint* forTenant(const std::string& tenant) const;
  size_t size() const { return byTenant_.size(); }

 private:
  std::map<std::string, WebhookEndpoint> byTenant_;
};

}  // namespace parley::agent
