#include "agent/webhooks/WebhookEndpoints.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "core/Error.hpp"

namespace parley::agent {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;  // bounds memory; a tenant entry is ~200 bytes
constexpr size_t kMaxSecretBytes = 4096;   // an HMAC key longer than this is a mistake

std::string readSecretFile(const std::string& path, const std::string& where) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw core::ConfigError("webhooks.file", where, "secret_file " + path + " cannot be read");
  if ((st.st_mode & 077) != 0)
    throw core::ConfigError(
        "webhooks.file", where,
        "secret_file " + path + " is readable by group or others; chmod 600 it");
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() > kMaxSecretBytes)
    throw core::ConfigError("webhooks.file", where, "secret_file " + path + " is too long");
  return s;
}

}  // namespace

const std::set<std::string>& webhookEventTypes() {
  static const std::set<std::string> kTypes = {"call.started",
                                               "call.ended",
                                               "appointment.booked",
                                               "appointment.cancelled",
                                               "appointment.rescheduled",
                                               "webhook.test"};
  return kTypes;
}

WebhookEndpoints WebhookEndpoints::load(const std::optional<std::filesystem::path>& file,
                                        const core::EnvLookup& env) {
  std::error_code ec;
  if (!file || !std::filesystem::exists(*file, ec)) return {};
  std::ifstream in(*file, std::ios::binary);
  if (!in) throw core::ConfigError("webhooks.file", file->string(), "cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > kMaxFileBytes)
    throw core::ConfigError("webhooks.file", file->string(), "larger than 1 MiB");
  return fromYaml(text, file->string(), env);
}

WebhookEndpoints WebhookEndpoints::fromYaml(const std::string& text, const std::string& source,
                                            const core::EnvLookup& env) {
  WebhookEndpoints out;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw core::ConfigError("webhooks.file", source, std::string("not valid YAML: ") + e.what());
  }
  if (!root || root.IsNull()) return out;
  if (!root.IsMap() || !root["tenants"] || !(root["tenants"].IsMap() || root["tenants"].IsNull()))
    throw core::ConfigError("webhooks.file", source, "must be a mapping with a 'tenants' mapping");
  for (const auto& kv : root["tenants"]) {
    WebhookEndpoint e;
    e.tenant = kv.first.as<std::string>();
    std::string where = source + ": tenants." + e.tenant;
    const YAML::Node& n = kv.second;
    if (!n.IsMap()) throw core::ConfigError("webhooks.file", where, "must be a mapping");
    auto str = [&](const char* f) {
      return n[f] && n[f].IsScalar() ? n[f].as<std::string>() : std::string();
    };
    for (const auto& k : n) {
      std::string key = k.first.as<std::string>();
      if (key != "url" && key != "secret_env" && key != "secret_file" && key != "events")
        throw core::ConfigError("webhooks.file", where,
                                "unknown key '" + key +
                                    "' (url, secret_env, secret_file, events; secrets never go "
                                    "in this file)");
    }
    e.url = str("url");
    if (e.url.rfind("http://", 0) != 0 && e.url.rfind("https://", 0) != 0)
      throw core::ConfigError("webhooks.file", where, "url must start with http:// or https://");
    std::string envName = str("secret_env"), secretFile = str("secret_file");
    if (envName.empty() == secretFile.empty())
      throw core::ConfigError("webhooks.file", where,
                              "needs exactly one of secret_env, secret_file");
    if (!envName.empty()) {
      auto v = env(envName);
      if (!v || v->empty())
        throw core::ConfigError("webhooks.file", where,
                                "environment variable " + envName + " (secret_env) is not set");
      e.secret = *v;
    } else {
      e.secret = readSecretFile(secretFile, where);
    }
    if (e.secret.empty()) throw core::ConfigError("webhooks.file", where, "the secret is empty");
    if (n["events"]) {
      if (!n["events"].IsSequence())
        throw core::ConfigError("webhooks.file", where, "events must be a list");
      for (const auto& ev : n["events"]) {
        std::string t = ev.as<std::string>();
        if (!webhookEventTypes().count(t))
          throw core::ConfigError("webhooks.file", where,
                                  "unknown event '" + t +
                                      "' (call.started, call.ended, appointment.booked, "
                                      "appointment.cancelled, appointment.rescheduled)");
        e.events.insert(t);
      }
    }
    out.byTenant_[e.tenant] = std::move(e);
  }
  return out;
}

const WebhookEndpoint* WebhookEndpoints::forTenant(const std::string& tenant) const {
  auto it = byTenant_.find(tenant);
  return it == byTenant_.end() ? nullptr : &it->second;
}

}  // namespace parley::agent
