#pragma once
// A redis:// URL (redis://[[user]:password@]host[:port][/db], the form redis-cli -u and the
// client libraries take). Header-only so config validation (agent/WorkerConfig.cpp) can check it
// without linking the Redis client.
#include <optional>
#include <string>
#include <vector>

namespace parley::agent {

/// A parsed redis:// URL.
struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  ///< Redis 6 ACL user ("" = the default user)
  std::string password;  ///< secret
  int db = 0;
  /// Parses redis://[[user]:password@]host[:port][/db] (a bare "secret@" is a password, as
  /// before ACL users existed). nullopt with `error` set for anything else; `error` never
  /// contains the password.
  static std::optional<RedisUrl> parse(const std::string& url, std::string* error = nullptr);
  /// "host:port" (never the password).
  std::string where() const { return host + ":" + std::to_string(port); }
  /// The URL for logs and errors: redis://user@host:port/db, the password left out.
  std::string redacted() const {
    return "redis://" + (username.empty() ? std::string() : username + "@") + where() +
           (db != 0 ? "/" + std::to_string(db) : std::string());
  }
  /// The AUTH command for this URL (RESP argv): AUTH <user> <password> with an ACL user (Redis
  /// 6+), AUTH <password> for the default user; empty without a password.
  std::vector<std::string> authCommand() const {
    if (password.empty()) return {};
    if (username.empty()) return {"AUTH", password};
    return {"AUTH", username, password};
  }
};

inline std::optional<RedisUrl> RedisUrl::parse(const std::string& url, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<RedisUrl> {
    if (error) *error = why;
    return std::nullopt;
  };
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) return fail("must start with redis://");
  std::string rest = url.substr(scheme.size());
  RedisUrl u;
  auto at = rest.rfind('@');
  if (at != std::string::npos) {
    std::string cred = rest.substr(0, at);
    auto colon = cred.find(':');
    if (colon == std::string::npos) {
      u.password = cred;
    } else {
      u.username = cred.substr(0, colon);
      u.password = cred.substr(colon + 1);
    }
    if (u.username.find_first_of("/?#") != std::string::npos)
      return fail("user name must not contain / ? #");
    rest = rest.substr(at + 1);
  }
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    if (!db.empty()) {
      if (db.size() > 2 || db.find_first_not_of("0123456789") != std::string::npos)
        return fail("database must be a number 0-99");
      u.db = std::stoi(db);
    }
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  if (colon != std::string::npos) {
    std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos)
      return fail("port must be a number");
    u.port = std::stoi(port);
    if (u.port < 1 || u.port > 65535) return fail("port must be 1-65535");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return fail("host missing");
  u.host = rest;
  return u;
}

}  // namespace parley::agent
