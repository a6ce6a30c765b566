#pragma once
// Schema-driven configuration: a YAML file, then environment overrides, validated at start.
// Every key is declared once in a ConfigSchema (path, type, default, range, doc). Loading
// rejects unknown keys, wrong types and out-of-range values with a ConfigError naming the key
// path and the file line (or the environment variable). `${VAR}` and `${VAR:-default}` in string
// values read the environment. Env override of key `a.b_c` is `PARLEY_A_B_C`.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::core {

enum class ConfigType { String, Int, Double, Bool, StringList };

/// One declared key. `defaultValue` is written as it would be in YAML ("8080", "true", "a,b").
struct ConfigKey {
  std::string path;  ///< dotted, e.g. "http.listen"
  ConfigType type = ConfigType::String;
  std::string defaultValue;
  std::string doc;                   ///< one line; with the unit
  std::optional<double> min;         ///< Int/Double lower bound (inclusive)
  std::optional<double> max;         ///< Int/Double upper bound (inclusive)
  std::vector<std::string> choices;  ///< String: allowed values (empty = any)
  std::vector<std::string> envAliases;  ///< extra env names, e.g. "DEEPGRAM_API_KEY"
  bool secret = false;                  ///< never printed (api keys, passwords)
  /// Extra check on the final string form; returns an error reason or nullopt.
  std::function<std::optional<std::string>(const std::string&)> validate;
};

class ConfigSchema {
 public:
  /// Declares a key. Throws std::invalid_argument on a duplicate path or a default that does
  /// not satisfy the key's own type/range (a programming error).
  ConfigSchema& add(ConfigKey key);
  const std::vector<ConfigKey>& keys() const { return keys_; }
  const ConfigKey* find(std::string_view path) const;
  /// True if `path` is a proper prefix of some key ("http" for "http.listen").
  bool isSection(std::string_view path) const;
  /// The environment variable that overrides `path`: "PARLEY_" + upper(path, '.'→'_').
  static std::string envName(std::string_view path);

 private:
  std::vector<ConfigKey> keys_;
};

/// Looks up an environment variable; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
/// The process environment (getenv).
EnvLookup processEnv();

/// Validated configuration values. Lookups of undeclared keys throw std::out_of_range (a
/// programming error, not a user error).
class Config {
 public:
  /// Loads `file` (if given; missing file → ConfigError), applies env overrides, validates.
  /// Throws ConfigError naming the key and "file:line" or "env NAME".
  static Config load(const ConfigSchema& schema, const std::optional<std::filesystem::path>& file,
                     const EnvLookup& env = processEnv());
  /// Same, from YAML text (`sourceName` is used in messages).
  static Config loadText(const ConfigSchema& schema, std::string_view yamlText,
                         const std::string& sourceName, const EnvLookup& env = processEnv());

  const std::string& getString(std::string_view path) const;
  int64_t getInt(std::string_view path) const;
  double getDouble(std::string_view path) const;
  bool getBool(std::string_view path) const;
  std::vector<std::string> getList(std::string_view path) const;
  /// Where the value came from: "default", "parley.yaml:12", "env PARLEY_HTTP_LISTEN".
  const std::string& sourceOf(std::string_view path) const;
  /// "key = value (source)" lines for every key, secrets shown as "***".
  std::string describe() const;

 private:
  struct Value {
    std::string text;  ///< canonical string form
    std::string source;
    bool secret = false;  ///< copied from the key: the schema need not outlive the Config
  };
  const Value& at(std::string_view path) const;
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace parley::core
