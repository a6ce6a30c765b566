#pragma once
// One websocket client connection (RFC 6455) on a WsClientContext's loop. The host name is
// resolved with uv_getaddrinfo first because lws 4.1 (built without async DNS) would otherwise
// call getaddrinfo on the loop thread. Frames are queued and written when lws says the socket is
// writable; received fragments are reassembled into whole messages up to a bound.
// Events up through WsListener, commands down as methods. Loop-thread only.
#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Timer.hpp"
#include "dialog/net/CurlMulti.hpp"  // HttpHeaders

struct lws;

namespace parley::dialog {

class WsClientContext;

/// How a connection ended (or failed to start).
struct WsCloseInfo {
  bool opened = false;    ///< false: the handshake never completed
  int httpStatus = 0;     ///< status of a refused handshake (401, 429, 500 …), 0 if none
  HttpHeaders headers;    ///< captured headers of a refused handshake (e.g. dg-error)
  int closeCode = 0;      ///< RFC 6455 §7.4 code; 1006 when the socket dropped without one
  std::string reason;     ///< close reason text, or what went wrong before the handshake
  bool timedOut = false;  ///< the connect deadline passed
  bool byUs = false;      ///< we asked for the close (close() or a bound exceeded)
};

class WsListener {
 public:
  virtual ~WsListener() = default;
  /// Handshake done (HTTP 101). `headers`: the captured response headers that were present.
  virtual void onWsOpen(const HttpHeaders& headers) = 0;
  /// A whole text message (not validated as UTF-8 beyond what lws does).
  virtual void onWsText(std::string_view text) = 0;
  /// A whole binary message.
  virtual void onWsBinary(std::span<const uint8_t> bytes) = 0;
  /// Exactly once per connect(); the connection may be destroyed or reconnected from here.
  virtual void onWsClosed(const WsCloseInfo& info) = 0;
};

struct WsConnectOptions {
  std::string url;                                           ///< ws:// or wss://
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra request headers
  std::vector<std::string> captureHeaders;  ///< lowercase response header names to report
  uint64_t connectTimeoutMs = 10'000;       ///< DNS + TCP + TLS + handshake
  /// A Deepgram Results message is < 8 KiB; an ElevenLabs audio chunk (base64, ~1 s of 24 kHz
  /// PCM plus alignment) < 256 KiB. Larger messages close the socket with 1009.
  size_t maxMessageBytes = 1024 * 1024;
  /// Bound on frames waiting to be written (bytes); sends beyond it are refused.
  size_t maxQueuedBytes = 4 * 1024 * 1024;
  bool allowSelfSigned = false;  ///< tests only
};

class WsConnection {
 public:
  /// `listener` is a back-reference and must outlive this object.
  WsConnection(WsClientContext& context, WsListener& listener);
  /// Drops the socket at once, without callbacks.
  ~WsConnection();
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  /// Starts connecting; the outcome arrives as onWsOpen or onWsClosed. Any earlier connection
  /// is dropped silently first. A bad URL is reported through onWsClosed on a later loop turn.
  void connect(WsConnectOptions options);
  /// Queues a text / binary message. Frames queued before the handshake completes are sent right
  /// after it. Returns false if closed or the queue bound is exceeded.
  bool sendText(std::string_view text);
  bool sendBinary(std::span<const uint8_t> bytes);
  /// Sends a close frame with `code` after the queued frames (RFC 6455 §5.5.1).
  void close(uint16_t code = 1000, std::string reason = {});
  /// True between onWsOpen and the close.
  bool isOpen() const { return open_; }
  /// True from connect() until onWsClosed.
  bool active() const { return active_; }
  size_t queuedBytes() const { return queuedBytes_; }

  /// lws protocol callback (internal).
  static int callback(lws* wsi, int reason, void* user, void* in, size_t len);

 private:
  struct Frame {
    bool binary;
    std::vector<uint8_t> bytes;  ///< LWS_PRE bytes of headroom, then the payload
  };
  bool enqueue(bool binary, const uint8_t* data, size_t len);
  void startConnect(const std::string& address);
  void detach();
  void finish(WsCloseInfo info);
  void onResolved(int status, const struct addrinfo* res);
  int handle(lws* wsi, int reason, void* in, size_t len);

  WsClientContext& context_;
  WsListener& listener_;  ///< back-reference
  WsConnectOptions options_;
  std::string host_, path_, hostHeader_;
  uint16_t port_ = 0;
  bool tls_ = false;
  lws* wsi_ = nullptr;
  uv_getaddrinfo_t* resolving_ = nullptr;  ///< in flight; its data is nulled when abandoned
  core::Timer connectTimer_;
  core::Timer failLater_;
  WsCloseInfo pendingFailure_;
  std::deque<Frame> queue_;
  size_t queuedBytes_ = 0;
  std::string rx_;
  bool rxBinary_ = false;
  bool open_ = false;
  bool active_ = false;
  bool closing_ = false;
  bool closeSent_ = false;  ///< lws is sending our close frame and waiting for the echo
  uint16_t closeCode_ = 1000;
  std::string closeReason_;
  int peerCloseCode_ = 0;
  std::string peerCloseReason_;
  HttpHeaders captured_;
};

}  // namespace parley::dialog
