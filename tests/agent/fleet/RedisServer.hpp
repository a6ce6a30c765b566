#pragma once
// Test helper: a real redis-server on 127.0.0.1 with a free port, no persistence, killed (and its
// directory removed) when the object dies.
#include <sys/types.h>

#include <string>

namespace parley::test {

class RedisServer {
 public:
  /// Starts /usr/bin/redis-server and waits until it answers PING (throws std::runtime_error
  /// after 10 s).
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  /// Runs redis-cli against it and returns stdout (trimmed).
  std::string cli(const std::string& args) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

}  // namespace parley::test
