#pragma once
// Test helper: a real redis-server on 127.0.0.1 with a free port, no persistence, killed (and its
// directory removed) when the object dies.
#include <sys/types.h>

#include <string>
#include <vector>

namespace parley::test {

/// Who may connect: the default user's password (--requirepass) and an optional ACL user with
/// every permission (Redis 6 "user" directive).
struct RedisAuth {
  std::string password;  ///< default user's; "" = none
  std::string aclUser;
  std::string aclPassword;
};

class RedisServer {
 public:
  /// Starts /usr/bin/redis-server and waits until it answers PING (throws std::runtime_error
  /// after 10 s).
  explicit RedisServer(RedisAuth auth = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  /// Runs redis-cli against it (as the default user, with its password) and returns stdout
  /// (trimmed).
  std::string cli(const std::string& args) const;

 private:
  RedisAuth auth_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

}  // namespace parley::test
