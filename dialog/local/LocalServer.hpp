#pragma once
// The listening side of Parley's local providers (issue 6, DESIGN.md §5): libwebsockets on a
// libuv loop, serving plain HTTP requests (the OpenAI-compatible chat endpoint) and websocket
// sessions (the Deepgram and ElevenLabs protocols) on one port. Handlers run on the loop thread.
//
// Bounds: request bodies beyond kMaxLocalBodyBytes get 413; websocket messages beyond
// kMaxLocalWsMessageBytes close the socket with 1009 (RFC 6455 §7.4.1, "message too big").
// Teardown follows libwebsockets 4.1.6 on a foreign loop: close(), run the loop until its
// handles are closed, then destroy (the destructor destroys the context a second time).
#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace parley::dialog::local {

/// A chat request with the whole conversation and tool list is < 200 KiB; bounds memory.
constexpr size_t kMaxLocalBodyBytes = 1024 * 1024;
/// Audio frames are ≤ 100 ms (3.2 KiB at 16 kHz) and text messages a few KiB; 256 KiB is ample.
constexpr size_t kMaxLocalWsMessageBytes = 256 * 1024;

/// One request as the server saw it: path without query, decoded query arguments, headers
/// (lower-case names; only the ones the local providers read), body.
struct LocalRequest {
  std::string method;  ///< "GET", "POST", …
  std::string path;
  std::vector<std::pair<std::string, std::string>> args;
  std::map<std::string, std::string> headers;
  std::string body;
  /// The value of query argument `name`, or nullopt when absent.
  std::optional<std::string> arg(std::string_view name) const;
};

struct LocalResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// A refused websocket upgrade: the HTTP status and body the client sees (Deepgram puts the
/// reason in a `dg-error` header too — deepgram-live.md §1).
struct LocalReject {
  int status = 400;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// The server side of one websocket. Loop thread only; valid until WsSession::onClosed returns.
class WsPeer {
 public:
  virtual ~WsPeer() = default;
  virtual void sendText(std::string text) = 0;
  virtual void sendBinary(std::span<const uint8_t> bytes) = 0;
  /// Sends the queued messages, then a close frame with `code` and `reason` (≤ 123 bytes).
  virtual void close(uint16_t code, std::string reason) = 0;
  virtual const LocalRequest& request() const = 0;
  /// Messages queued and not yet written (back-pressure signal for producers).
  virtual size_t queued() const = 0;
};

/// One accepted websocket: gets whole messages (fragments are joined, bounded above).
class WsSession {
 public:
  virtual ~WsSession() = default;
  virtual void onText(std::string_view text) = 0;
  virtual void onBinary(std::span<const uint8_t> bytes) = 0;
  /// The connection is gone; the server destroys the session right after this returns.
  virtual void onClosed() {}
};

/// What a server serves. All calls on the loop thread.
class LocalService {
 public:
  virtual ~LocalService() = default;
  /// A plain HTTP request (GET without upgrade, POST with its body read).
  virtual LocalResponse onHttp(const LocalRequest& request);
  /// Before a websocket upgrade completes: a rejection here is an HTTP error response (with its
  /// headers, e.g. Deepgram's dg-error), as the real services refuse bad parameters. Default:
  /// accept.
  virtual std::optional<LocalReject> checkUpgrade(const LocalRequest&) { return std::nullopt; }
  /// The upgraded websocket: return a session, or a rejection, which then becomes a close frame
  /// (1011 for status 503, else 1008) with the body as reason. The default refuses with 404.
  virtual std::variant<std::unique_ptr<WsSession>, LocalReject> onUpgrade(const LocalRequest& req,
                                                                          WsPeer& peer);
};

class LocalServer {
 public:
  /// Listens on `host`:`port` (0 = an ephemeral port) on `loop`, which must outlive the server;
  /// `service` is a back-reference that must too. Throws core::SystemError when it cannot bind.
  LocalServer(uv_loop_t* loop, LocalService& service, const std::string& host = "127.0.0.1",
              uint16_t port = 0);
  /// Completes the teardown (close() first if needed). Loop thread only.
  ~LocalServer();
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  /// Stops listening and closes every connection; run the loop afterwards so libwebsockets'
  /// handles finish closing, then destroy the server.
  void close();
  uint16_t port() const { return port_; }
  /// Open websocket sessions.
  size_t sessions() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace parley::dialog::local
