#include "media/sip/TrunkSecret.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iterator>

#include "core/Error.hpp"

namespace parley::media::sip {
namespace {

/// A SIP digest password longer than this is a mistake (a pasted file, a key), not a password.
constexpr size_t kMaxSecretBytes = 1024;

std::string text(const YAML::Node& parent, const char* key, const std::string& path,
                 const std::string& where) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return {};
  if (!n.IsScalar()) throw core::ConfigError(path + "." + key, where, "must be a string");
  return n.as<std::string>();
}

std::string readSecretFile(const std::string& file, const std::string& key,
                           const std::string& where) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw core::ConfigError(key, where, file + " cannot be read");
  if ((st.st_mode & 077) != 0)
    throw core::ConfigError(key, where, file + " is readable by group or others; chmod 600 it");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw core::ConfigError(key, where, file + " cannot be read");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty()) throw core::ConfigError(key, where, file + " is empty");
  if (s.size() > kMaxSecretBytes)
    throw core::ConfigError(key, where, file + " is longer than 1 KiB (not a password)");
  return s;
}

}  // namespace

bool isTrunkSecretKey(const std::string& key) {
  return key == "password" || key == "password_env" || key == "password_file";
}

std::string readTrunkSecret(const YAML::Node& parent, const std::string& path,
                            const std::string& where, const core::EnvLookup& env) {
  std::string inline_ = text(parent, "password", path, where);
  std::string envName = text(parent, "password_env", path, where);
  std::string file = text(parent, "password_file", path, where);
  int given = !inline_.empty() + !envName.empty() + !file.empty();
  if (given > 1)
    throw core::ConfigError(path, where, "give only one of password, password_env, password_file");
  if (!envName.empty()) {
    auto v = env(envName);
    if (!v || v->empty())
      throw core::ConfigError(path + ".password_env", where,
                              "environment variable " + envName + " is not set");
    if (v->size() > kMaxSecretBytes)
      throw core::ConfigError(path + ".password_env", where,
                              envName + " is longer than 1 KiB (not a password)");
    return *v;
  }
  if (!file.empty()) return readSecretFile(file, path + ".password_file", where);
  return inline_;
}

}  // namespace parley::media::sip
