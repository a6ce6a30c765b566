#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/webhooks/WebhookEndpoints.hpp"
#include "core/Error.hpp"

using namespace parley;

namespace {

const std::string kSecret = "whsec-very-secret-value-42";

core::EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string error(const std::string& yaml, const core::EnvLookup& e) {
  try {
    agent::WebhookEndpoints::fromYaml(yaml, "hooks.yaml", e);
  } catch (const core::ConfigError& ex) {
    return ex.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("webhook endpoints read secrets from the environment or a private file") {
  auto dir = std::filesystem::temp_directory_path() / ("parley-hooks-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto secretFile = dir / "beta.secret";
  std::ofstream(secretFile) << "file-secret\n";
  chmod(secretFile.c_str(), 0600);
  std::string yaml =
      "tenants:\n"
      "  alpha:\n    url: http://127.0.0.1:9/hook\n    secret_env: ALPHA_SECRET\n"
      "    events: [call.ended, appointment.booked]\n"
      "  beta:\n    url: https://x.example/h\n    secret_file: " +
      secretFile.string() + "\n";
  auto eps =
      agent::WebhookEndpoints::fromYaml(yaml, "hooks.yaml", env({{"ALPHA_SECRET", kSecret}}));
  CHECK(eps.size() == 2);
  const auto* a = eps.forTenant("alpha");
  REQUIRE(a);
  CHECK(a->secret == kSecret);
  CHECK(a->wants("call.ended"));
  CHECK_FALSE(a->wants("call.started"));
  CHECK(eps.forTenant("beta")->secret == "file-secret");
  CHECK(eps.forTenant("beta")->wants("call.started"));
  CHECK_FALSE(eps.forTenant("gamma"));

  chmod(secretFile.c_str(), 0644);
  std::string e = error(yaml, env({{"ALPHA_SECRET", kSecret}}));
  CHECK(e.find("chmod 600") != std::string::npos);
  CHECK(e.find("file-secret") == std::string::npos);
}

TEST_CASE("bad webhook entries are config errors that never show a secret") {
  auto withSecret = env({{"S", kSecret}});
  auto check = [&](const std::string& yaml, const std::string& expect) {
    std::string e = error(yaml, withSecret);
    CHECK_MESSAGE(e.find(expect) != std::string::npos, e);
    CHECK(e.find(kSecret) == std::string::npos);
  };
  check("tenants:\n  a: {url: http://h/x, secret: " + kSecret + "}", "unknown key 'secret'");
  check("tenants:\n  a: {url: ftp://h/x, secret_env: S}", "http://");
  check("tenants:\n  a: {url: http://h/x}", "exactly one");
  check("tenants:\n  a: {url: http://h/x, secret_env: MISSING}", "MISSING");
  check("tenants:\n  a: {url: http://h/x, secret_env: S, events: [call.exploded]}",
        "unknown event");
  check("tenants: [1, 2]", "'tenants' mapping");
  check("tenants: {a: [", "YAML");
  CHECK(agent::WebhookEndpoints::load(std::filesystem::path("/nonexistent/h.yaml")).size() == 0);
}
