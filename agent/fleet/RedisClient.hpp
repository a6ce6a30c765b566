#pragma once
// A Redis connection for the fleet (DESIGN.md §8): hiredis 0.14's async API on a libuv loop
// (adapters/libuv.h), RESP2. Commands are argv vectors (binary-safe); replies are copied into
// RedisValue before the callback, so callers never see hiredis memory. When the connection drops
// it is re-established after `reconnectMs`; commands issued while down fail at once with
// `ok() == false` (callers retry on their own schedule: heartbeats, queue polls).
// Loop-thread only: construct, use and destroy on the loop's thread.
//
// A connection is "up" only once AUTH (user + password with an ACL user, Redis 6), SELECT and a
// PING have succeeded; a refused password (WRONGPASS) or a server that wants one (NOAUTH) is
// reported through onState() with a message naming the URL without its password, logged once,
// and retried every `reconnectMs` (the operator may fix the server side).
//
// URL: see RedisUrl (the password is a secret: it is never logged, never in an error message;
// server error texts are scrubbed of it too).
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
  /// Turns this connection into a subscriber of `channel` (RESP2: it then carries nothing else;
  /// use another client for commands). `onMessage` gets each payload; `onLive(true)` runs when
  /// the subscription is confirmed (again after every reconnection), `onLive(false)` when the
  /// connection drops — messages published meanwhile are lost (Redis pub/sub is at most once).
  void subscribe(std::string channel, std::function<void(const std::string&)> onMessage,
                 std::function<void(bool)> onLive);
  /// The connection's state as onState() reports it.
  struct State {
    bool up = false;       ///< AUTH/SELECT/PING succeeded
    bool refused = false;  ///< down because the server refused our credentials or database
    /// "connected to redis://host:port", "cannot connect to redis at redis://host:port: …",
    /// "redis at redis://user@host:port refused the user name or password (WRONGPASS …)".
    /// Never contains the password.
    std::string detail;
  };
  /// `cb` runs on every change of state (loop thread).
  void onState(std::function<void(const State&)> cb) { onState_ = std::move(cb); }
  bool connected() const { return connected_; }
  /// Why the connection is down ("" while up or before the first attempt ended).
  const std::string& lastError() const { return lastError_; }
  const RedisUrl& url() const { return url_; }

 private:
  struct Pending;
  struct Subscription {
    std::string channel;
    std::function<void(const std::string&)> onMessage;
    std::function<void(bool)> onLive;
  };
  void connect();
  void scheduleReconnect();
  void handshake();                                       // AUTH, SELECT, PING
  void send(std::vector<std::string> argv, Callback cb);  // also while not yet up
  void ready();
  void fail(const std::string& why, bool disconnect, bool refused = false);
  std::string scrub(std::string text) const;  // removes the password from server texts
  void sendSubscribe();
  static void onConnect(const redisAsyncContext* c, int status);
  static void onDisconnect(const redisAsyncContext* c, int status);
  static void onReply(redisAsyncContext* c, void* reply, void* privdata);
  static void onSubscribed(redisAsyncContext* c, void* reply, void* privdata);

  uv_loop_t* loop_;
  RedisUrl url_;
  std::function<void()> onConnected_;
  uint64_t reconnectMs_;
  redisAsyncContext* ctx_ = nullptr;  ///< owned by hiredis once connecting; null when down
  bool connected_ = false;            ///< up: handshake done
  bool closing_ = false;
  core::Timer reconnect_;
  core::Logger log_{"redis"};
  std::string lastError_;  ///< logged once per distinct reason
  std::function<void(const State&)> onState_;
  std::unique_ptr<Subscription> sub_;  ///< hiredis privdata of the SUBSCRIBE: stable address
  bool subLive_ = false;
};

}  // namespace parley::agent
