#include "core/Config.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/EnvExpand.hpp"
#include "core/Error.hpp"

namespace parley::core {
namespace {

constexpr size_t kMaxConfigBytes = 1024 * 1024;  // a real config is a few KiB

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

const char* typeName(ConfigType t) {
  switch (t) {
    case ConfigType::String: return "a string";
    case ConfigType::Int: return "an integer";
    case ConfigType::Double: return "a number";
    case ConfigType::Bool: return "a boolean (true/false)";
    case ConfigType::StringList: return "a list of strings";
  }
  return "?";
}

std::optional<int64_t> parseInt(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parseDouble(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parseBool(const std::string& s) {
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  return std::nullopt;
}

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  std::stringstream ss(s);
  while (std::getline(ss, cur, ',')) {
    auto t = trim(cur);
    if (!t.empty()) out.push_back(t);
  }
  return out;
}

// Checks `text` against the key; returns the reason it is invalid.
std::optional<std::string> checkValue(const ConfigKey& k, const std::string& text) {
  switch (k.type) {
    case ConfigType::Int: {
      auto v = parseInt(text);
      if (!v) return std::string("must be ") + typeName(k.type) + ", got '" + text + "'";
      if ((k.min && static_cast<double>(*v) < *k.min) || (k.max && static_cast<double>(*v) > *k.max))
        return "out of range: " + text + " (allowed " + (k.min ? std::to_string(int64_t(*k.min)) : "-inf") +
               " .. " + (k.max ? std::to_string(int64_t(*k.max)) : "inf") + ")";
      break;
    }
    case ConfigType::Double: {
      auto v = parseDouble(text);
      if (!v) return std::string("must be ") + typeName(k.type) + ", got '" + text + "'";
      if ((k.min && *v < *k.min) || (k.max && *v > *k.max)) {
        std::ostringstream os;
        os << "out of range: " << text << " (allowed " << (k.min ? *k.min : -INFINITY) << " .. "
           << (k.max ? *k.max : INFINITY) << ")";
        return os.str();
      }
      break;
    }
    case ConfigType::Bool:
      if (!parseBool(text)) return std::string("must be ") + typeName(k.type) + ", got '" + text + "'";
      break;
    case ConfigType::String:
      if (!k.choices.empty()) {
        bool found = false;
        for (const auto& c : k.choices) found = found || c == text;
        if (!found) {
          std::string all;
          for (const auto& c : k.choices) all += (all.empty() ? "" : ", ") + c;
          return "must be one of " + all + ", got '" + text + "'";
        }
      }
      break;
    case ConfigType::StringList: break;
  }
  if (k.validate) return k.validate(text);
  return std::nullopt;
}

// Expands ${VAR} and ${VAR:-default}. Throws ConfigError for an unset VAR without default.
std::string expandEnv(const std::string& in, const EnvLookup& env, const std::string& path,
                      const std::string& where) {
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    if (in[i] == '$' && i + 1 < in.size() && in[i + 1] == '{') {
      size_t close = in.find('}', i + 2);
      if (close == std::string::npos)
        throw ConfigError(path, where, "unterminated ${ in '" + in + "'");
      std::string inner = in.substr(i + 2, close - i - 2);
      std::string name = inner, fallback;
      bool hasFallback = false;
      if (auto p = inner.find(":-"); p != std::string::npos) {
        name = inner.substr(0, p);
        fallback = inner.substr(p + 2);
        hasFallback = true;
      }
      auto v = env(name);
      if (v) out += *v;
      else if (hasFallback) out += fallback;
      else throw ConfigError(path, where, "environment variable " + name + " is not set");
      i = close + 1;
    } else {
      out += in[i++];
    }
  }
  return out;
}

}  // namespace

std::string expandEnvironment(const std::string& text, const EnvLookup& env,
                              const std::string& path, const std::string& where) {
  return expandEnv(text, env, path, where);
}

ConfigSchema& ConfigSchema::add(ConfigKey key) {
  if (find(key.path)) throw std::invalid_argument("duplicate config key " + key.path);
  if (auto err = checkValue(key, key.defaultValue); err && !key.defaultValue.empty())
    throw std::invalid_argument("bad default for " + key.path + ": " + *err);
  keys_.push_back(std::move(key));
  return *this;
}

const ConfigKey* ConfigSchema::find(std::string_view path) const {
  for (const auto& k : keys_)
    if (k.path == path) return &k;
  return nullptr;
}

bool ConfigSchema::isSection(std::string_view path) const {
  for (const auto& k : keys_)
    if (k.path.size() > path.size() && k.path.compare(0, path.size(), path) == 0 &&
        k.path[path.size()] == '.')
      return true;
  return false;
}

std::string ConfigSchema::envName(std::string_view path) {
  std::string out = "PARLEY_";
  for (char c : path) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Config Config::load(const ConfigSchema& schema, const std::optional<std::filesystem::path>& file,
                    const EnvLookup& env) {
  if (!file) return loadText(schema, "", "", env);
  std::ifstream in(*file, std::ios::binary);
  if (!in) throw ConfigError("", file->string(), "cannot open config file");
  std::string text;
  text.resize(kMaxConfigBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes)
    throw ConfigError("", file->string(), "config file larger than 1 MiB");
  return loadText(schema, text, file->filename().string(), env);
}

Config Config::loadText(const ConfigSchema& schema, std::string_view yamlText,
                        const std::string& sourceName, const EnvLookup& env) {
  Config cfg;
  for (const auto& k : schema.keys()) cfg.values_[k.path] = Value{k.defaultValue, "default", k.secret};

  YAML::Node root;
  try {
    root = YAML::Load(std::string(yamlText));
  } catch (const YAML::Exception& e) {
    throw ConfigError("", sourceName + ":" + std::to_string(e.mark.line + 1),
                      "invalid YAML: " + e.msg);
  }

  // Walk the document; every leaf must be a declared key.
  std::function<void(const YAML::Node&, const std::string&)> walk =
      [&](const YAML::Node& node, const std::string& prefix) {
        for (const auto& kv : node) {
          std::string name = kv.first.as<std::string>();
          std::string path = prefix.empty() ? name : prefix + "." + name;
          std::string where = sourceName + ":" + std::to_string(kv.first.Mark().line + 1);
          const YAML::Node& v = kv.second;
          const ConfigKey* key = schema.find(path);
          if (!key) {
            if (schema.isSection(path) && (v.IsMap() || v.IsNull())) {
              if (v.IsMap()) walk(v, path);
              continue;
            }
            throw ConfigError(path, where, "unknown key");
          }
          std::string text;
          if (key->type == ConfigType::StringList) {
            if (v.IsSequence()) {
              for (const auto& item : v) {
                if (!item.IsScalar())
                  throw ConfigError(path, where, std::string("must be ") + typeName(key->type));
                text += (text.empty() ? "" : ",") + item.as<std::string>();
              }
            } else if (v.IsScalar()) {
              text = v.as<std::string>();
            } else if (!v.IsNull()) {
              throw ConfigError(path, where, std::string("must be ") + typeName(key->type));
            }
          } else {
            if (!v.IsScalar() && !v.IsNull())
              throw ConfigError(path, where, std::string("must be ") + typeName(key->type));
            text = v.IsNull() ? "" : v.as<std::string>();
          }
          text = expandEnv(text, env, path, where);
          if (auto err = checkValue(*key, text); err) throw ConfigError(path, where, *err);
          cfg.values_[path] = Value{text, where, key->secret};
        }
      };
  if (root.IsMap()) walk(root, "");
  else if (!root.IsNull())
    throw ConfigError("", sourceName + ":1", "the config file must be a mapping of keys");

  for (const auto& k : schema.keys()) {
    std::vector<std::string> names{ConfigSchema::envName(k.path)};
    names.insert(names.end(), k.envAliases.begin(), k.envAliases.end());
    for (const auto& name : names) {
      auto v = env(name);
      if (!v) continue;
      std::string where = "env " + name;
      std::string text = trim(*v);
      if (auto err = checkValue(k, text); err) throw ConfigError(k.path, where, *err);
      cfg.values_[k.path] = Value{text, where, k.secret};
      break;  // the PARLEY_ name wins over aliases
    }
  }
  return cfg;
}

const Config::Value& Config::at(std::string_view path) const {
  auto it = values_.find(path);
  if (it == values_.end()) throw std::out_of_range("undeclared config key " + std::string(path));
  return it->second;
}

const std::string& Config::getString(std::string_view path) const { return at(path).text; }
int64_t Config::getInt(std::string_view path) const { return parseInt(at(path).text).value_or(0); }
double Config::getDouble(std::string_view path) const {
  return parseDouble(at(path).text).value_or(0.0);
}
bool Config::getBool(std::string_view path) const { return parseBool(at(path).text).value_or(false); }
std::vector<std::string> Config::getList(std::string_view path) const {
  return splitList(at(path).text);
}
const std::string& Config::sourceOf(std::string_view path) const { return at(path).source; }

std::string Config::describe() const {
  std::string out;
  for (const auto& [path, v] : values_) {
    bool secret = v.secret;
    out += path + " = " + (secret ? (v.text.empty() ? "" : "***") : v.text) + " (" + v.source + ")\n";
  }
  return out;
}

}  // namespace parley::core
