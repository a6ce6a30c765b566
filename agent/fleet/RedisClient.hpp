#pragma once
// A Redis connection for the fleet (DESIGN.md §8): hiredis 0.14's async API on a libuv loop
// (adapters/libuv.h), RESP2. Commands are argv vectors (binary-safe); replies are copied into
// RedisValue before the callback, so callers never see hiredis memory. When the connection drops
// it is re-established after `reconnectMs`; commands issued while down fail at once with
// `ok() == false` (callers retry on their own schedule: heartbeats, queue polls).
// Loop-thread only: construct, use and destroy on the loop's thread.
//
// URL: see RedisUrl (the password is a secret: it is never logged, and errors name only
// host:port).
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/fleet/RedisUrl.hpp"
#include "core/Log.hpp"
#include "core/Timer.hpp"

struct redisAsyncContext;

namespace parley::agent {

/// A RESP2 reply.
struct RedisValue {
  enum class Type { Nil, Status, Error, Integer, String, Array };
  Type type = Type::Nil;
  std::string str;  ///< Status, Error, String
  long long integer = 0;
  std::vector<RedisValue> elements;  ///< Array
  /// False for errors and for a missing reply (connection down).
  bool ok() const { return type != Type::Error && !missing; }
  bool missing = false;  ///< no reply at all (not connected, connection lost)
};

class RedisClient {
 public:
  using Callback = std::function<void(const RedisValue&)>;
  /// Starts connecting to `url` on `loop`. `onConnected` (optional) runs after every
  /// (re)connection, AUTH and SELECT done.
  RedisClient(uv_loop_t* loop, RedisUrl url, std::function<void()> onConnected = {},
              uint64_t reconnectMs = 1000);
  /// Disconnects; pending callbacks get a missing reply.
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /// Sends one command. `cb` (optional) gets the reply, or a missing one if not connected.
  void command(std::vector<std::string> argv, Callback cb = {});
  bool connected() const { return connected_; }
  const RedisUrl& url() const { return url_; }

 private:
  struct Pending;
  void connect();
  void scheduleReconnect();
  static void onConnect(const redisAsyncContext* c, int status);
  static void onDisconnect(const redisAsyncContext* c, int status);
  static void onReply(redisAsyncContext* c, void* reply, void* privdata);

  uv_loop_t* loop_;
  RedisUrl url_;
  std::function<void()> onConnected_;
  uint64_t reconnectMs_;
  redisAsyncContext* ctx_ = nullptr;  ///< owned by hiredis once connecting; null when down
  bool connected_ = false;
  bool closing_ = false;
  core::Timer reconnect_;
  core::Logger log_{"redis"};
  bool loggedDown_ = false;
};

}  // namespace parley::agent
