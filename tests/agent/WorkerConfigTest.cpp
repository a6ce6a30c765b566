#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <map>

#include "agent/WorkerConfig.hpp"
#include "core/Error.hpp"
#include "tests/agent/TestEnv.hpp"

using namespace parley;

namespace {
core::EnvLookup env(std::map<std::string, std::string> vars) {
  return test::mapEnv(std::move(vars));
}
const std::filesystem::path kShipped = std::filesystem::path(PARLEY_SOURCE_DIR) / "config/parley.yaml";
}  // namespace

TEST_CASE("the shipped config/parley.yaml loads and documents every key") {
  auto s = agent::loadWorkerSettings(kShipped, env({}));
  CHECK(s.httpListen.toString() == "0.0.0.0:8080");
  CHECK(s.drainTimeoutS == 600);
  YAML::Node root = YAML::LoadFile(kShipped.string());
  for (const auto& key : agent::workerConfigSchema().keys()) {
    YAML::Node n = YAML::Clone(root);
    size_t i = 0;
    std::string path = key.path;
    bool found = true;
    while (i <= path.size()) {
      size_t j = path.find('.', i);
      if (j == std::string::npos) j = path.size();
      std::string part = path.substr(i, j - i);
      if (!n.IsMap() || !n[part]) { found = false; break; }
      n = n[part];
      i = j + 1;
    }
    CHECK_MESSAGE(found, "config/parley.yaml does not document " << key.path);
  }
}

TEST_CASE("embedded defaults need no file and env overrides apply") {
  auto s = agent::loadWorkerSettings(std::nullopt,
                                     env({{"PARLEY_HTTP_LISTEN", "127.0.0.1:0"},
                                          {"PARLEY_DATA_DIR", "/tmp/x"},
                                          {"PARLEY_TENANTS_DIR", "/tmp/t"},
                                          {"PARLEY_WORKERS_THREADS", "3"},
                                          {"OPENAI_BASE_URL", "http://127.0.0.1:9/v1"}}));
  CHECK(s.httpListen.toString() == "127.0.0.1:0");
  CHECK(s.dataDir == "/tmp/x");
  CHECK(s.tenantsDir == "/tmp/t");
  CHECK(s.threads == 3);
  CHECK(s.raw.getString("providers.openai.base_url") == "http://127.0.0.1:9/v1");
}

TEST_CASE("bad listen address and bad component levels are config errors") {
  CHECK_THROWS_AS(agent::loadWorkerSettings(std::nullopt, env({{"PARLEY_HTTP_LISTEN", "localhost:80"}})),
                  core::ConfigError);
  CHECK_THROWS_AS(agent::loadWorkerSettings(std::nullopt, env({{"PARLEY_LOG_COMPONENTS", "media:debug"}})),
                  core::ConfigError);
  auto s = agent::loadWorkerSettings(std::nullopt, env({{"PARLEY_LOG_COMPONENTS", "media=debug,sip=warn"}}));
  CHECK(s.log.componentLevels.at("media") == core::LogLevel::Debug);
  CHECK(s.log.componentLevels.at("sip") == core::LogLevel::Warn);
}

TEST_CASE("PARLEY_CONFIG chooses the default config path") {
  CHECK(agent::defaultConfigPath(env({{"PARLEY_CONFIG", "/etc/parley.yaml"}})) ==
        std::filesystem::path("/etc/parley.yaml"));
}
