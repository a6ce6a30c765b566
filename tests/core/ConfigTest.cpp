#include <doctest/doctest.h>

#include <map>

#include "core/Config.hpp"
#include "core/Error.hpp"

using namespace parley::core;

namespace {
ConfigSchema schema() {
  ConfigSchema s;
  s.add({.path = "http.listen", .defaultValue = "0.0.0.0:8080", .doc = "address"});
  s.add({.path = "workers.threads", .type = ConfigType::Int, .defaultValue = "0", .doc = "n",
         .min = 0, .max = 256});
  s.add({.path = "drain_timeout_s", .type = ConfigType::Double, .defaultValue = "600", .doc = "s",
         .min = 0, .max = 86400});
  s.add({.path = "log.json", .type = ConfigType::Bool, .defaultValue = "false", .doc = "b"});
  s.add({.path = "log.level", .defaultValue = "info", .doc = "l", .choices = {"debug", "info"}});
  s.add({.path = "codecs", .type = ConfigType::StringList, .defaultValue = "opus,pcmu", .doc = "c"});
  s.add({.path = "providers.deepgram.api_key", .defaultValue = "", .doc = "k",
         .envAliases = {"DEEPGRAM_API_KEY"}, .secret = true});
  return s;
}
EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
// Returns the ConfigError message of loading `yaml`, or "" if it loads.
std::string errorOf(const std::string& yaml, std::map<std::string, std::string> vars = {}) {
  try {
    Config::loadText(schema(), yaml, "parley.yaml", env(vars));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a valid file loads, defaults fill the rest") {
  auto c = Config::loadText(schema(),
                            "http:\n  listen: 127.0.0.1:9000\nworkers:\n  threads: 4\n"
                            "codecs: [pcmu, pcma]\n",
                            "parley.yaml", env({}));
  CHECK(c.getString("http.listen") == "127.0.0.1:9000");
  CHECK(c.sourceOf("http.listen") == "parley.yaml:2");
  CHECK(c.getInt("workers.threads") == 4);
  CHECK(c.getDouble("drain_timeout_s") == 600);
  CHECK(c.sourceOf("drain_timeout_s") == "default");
  CHECK(c.getList("codecs") == std::vector<std::string>{"pcmu", "pcma"});
  CHECK(c.getBool("log.json") == false);
}

TEST_CASE("an unknown key names the key path and the line") {
  std::string e = errorOf("http:\n  listen: 127.0.0.1:9000\n  lisen: x\n");
  CHECK(e == "parley.yaml:3: http.lisen: unknown key");
  CHECK(errorOf("nothing: 1\n") == "parley.yaml:1: nothing: unknown key");
}

TEST_CASE("a wrong type is rejected with the line") {
  CHECK(errorOf("workers:\n  threads: many\n") ==
        "parley.yaml:2: workers.threads: must be an integer, got 'many'");
  CHECK(errorOf("log:\n  json: maybe\n").find("log.json: must be a boolean") != std::string::npos);
  CHECK(errorOf("http:\n  listen: [a, b]\n").find("http.listen: must be a string") !=
        std::string::npos);
  CHECK(errorOf("http: 5\n").find("http: unknown key") != std::string::npos);
}

TEST_CASE("an out-of-range value is rejected") {
  CHECK(errorOf("workers:\n  threads: 1000\n") ==
        "parley.yaml:2: workers.threads: out of range: 1000 (allowed 0 .. 256)");
  CHECK(errorOf("drain_timeout_s: -1\n").find("out of range") != std::string::npos);
  CHECK(errorOf("log:\n  level: loud\n").find("must be one of debug, info") != std::string::npos);
}

TEST_CASE("environment overrides win over the file and are validated") {
  auto c = Config::loadText(schema(), "workers:\n  threads: 4\n", "parley.yaml",
                            env({{"PARLEY_WORKERS_THREADS", "8"}, {"PARLEY_HTTP_LISTEN", "1.2.3.4:1"}}));
  CHECK(c.getInt("workers.threads") == 8);
  CHECK(c.sourceOf("workers.threads") == "env PARLEY_WORKERS_THREADS");
  CHECK(c.getString("http.listen") == "1.2.3.4:1");
  CHECK(errorOf("", {{"PARLEY_WORKERS_THREADS", "x"}}) ==
        "env PARLEY_WORKERS_THREADS: workers.threads: must be an integer, got 'x'");
}

TEST_CASE("provider key aliases and secrets") {
  auto c = Config::loadText(schema(), "", "parley.yaml", env({{"DEEPGRAM_API_KEY", "sekrit"}}));
  CHECK(c.getString("providers.deepgram.api_key") == "sekrit");
  CHECK(c.describe().find("sekrit") == std::string::npos);
  CHECK(c.describe().find("providers.deepgram.api_key = ***") != std::string::npos);
  auto d = Config::loadText(schema(), "", "parley.yaml",
                            env({{"DEEPGRAM_API_KEY", "a"}, {"PARLEY_PROVIDERS_DEEPGRAM_API_KEY", "b"}}));
  CHECK(d.getString("providers.deepgram.api_key") == "b");
}

TEST_CASE("${VAR} expansion reads the environment") {
  auto c = Config::loadText(schema(),
                            "http:\n  listen: ${HOST}:${PORT:-8081}\n"
                            "providers:\n  deepgram:\n    api_key: ${DG}\n",
                            "parley.yaml", env({{"HOST", "127.0.0.1"}, {"DG", "k"}}));
  CHECK(c.getString("http.listen") == "127.0.0.1:8081");
  CHECK(c.getString("providers.deepgram.api_key") == "k");
  CHECK(errorOf("http:\n  listen: ${MISSING}\n") ==
        "parley.yaml:2: http.listen: environment variable MISSING is not set");
  CHECK(errorOf("http:\n  listen: ${BROKEN\n").find("unterminated") != std::string::npos);
}

TEST_CASE("malformed YAML is a ConfigError with a line") {
  CHECK(errorOf("http:\n  listen: [unclosed\n").find("invalid YAML") != std::string::npos);
  CHECK(errorOf("- a\n- b\n").find("must be a mapping") != std::string::npos);
}

TEST_CASE("a missing file is a ConfigError") {
  CHECK_THROWS_AS(Config::load(schema(), std::filesystem::path("/nonexistent/parley.yaml"), env({})),
                  ConfigError);
}
