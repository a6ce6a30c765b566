#pragma once
// A small libwebsockets server on loopback for dialog tests, on its own LoopThread (lws on that
// thread's libuv loop, as production clients do). It can refuse the upgrade with any status and
// headers (Deepgram's dg-error), send text/binary, close with a code and reason, or drop the TCP
// connection without a close frame. Handler calls run on the server thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::dialog::test {

struct WsTestRequest {
  std::string path;                                       ///< without the query
  std::vector<std::pair<std::string, std::string>> args;  ///< decoded query parameters
  std::string authorization;                              ///< Authorization header
  std::string apiKeyHeader;                               ///< xi-api-key header
  std::string arg(const std::string& name) const;
};

struct WsReject {
  int status = 401;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class WsTestConn {
 public:
  virtual ~WsTestConn() = default;
  virtual void sendText(std::string text) = 0;
  virtual void sendBinary(std::vector<uint8_t> bytes) = 0;
  /// Close frame with `code` and `reason` after the queued messages.
  virtual void close(uint16_t code, std::string reason) = 0;
  /// Shut the TCP connection down at once: no close frame (the client sees 1006).
  virtual void drop() = 0;
  virtual const WsTestRequest& request() const = 0;
};

class WsTestHandler {
 public:
  virtual ~WsTestHandler() = default;
  virtual std::optional<WsReject> onUpgrade(const WsTestRequest&) { return std::nullopt; }
  virtual void onOpen(WsTestConn&) {}
  virtual void onText(WsTestConn&, std::string_view) {}
  virtual void onBinary(WsTestConn&, std::span<const uint8_t>) {}
  /// The client's close frame: code (1005 if none) and reason (RFC 6455 §5.5.1).
  virtual void onPeerClose(WsTestConn&, uint16_t /*code*/, std::string_view /*reason*/) {}
  virtual void onClosed(WsTestConn&) {}
};

class WsTestServer {
 public:
  /// Listens on 127.0.0.1, ephemeral port. `handler` must outlive the server.
  explicit WsTestServer(WsTestHandler& handler);
  /// Destroys the lws context on the server loop and waits until it is gone.
  ~WsTestServer();
  uint16_t port() const { return port_; }
  std::string url(const std::string& pathAndQuery) const {
    return "ws://127.0.0.1:" + std::to_string(port_) + pathAndQuery;
  }
  struct Impl;  ///< public so the lws callback can reach it (tests only)
  /// Runs `fn` on the server thread and waits for it (to act on connections from the test).
  void run(const std::function<void()>& fn);

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace parley::dialog::test
