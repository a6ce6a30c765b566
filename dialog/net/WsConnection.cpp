#include "dialog/net/WsConnection.hpp"

// clang-format off
#include <uv.h>
#include <libwebsockets.h>
// clang-format on

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "dialog/net/Url.hpp"
#include "dialog/net/WsClientContext.hpp"

namespace parley::dialog {

namespace {
constexpr const char* kProtocolName = "parley-ws-client";
constexpr size_t kMaxCapturedHeaderBytes = 1024;  // dg-error texts are one sentence

int protocolCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  return WsConnection::callback(wsi, static_cast<int>(reason), user, in, len);
}

const lws_protocols kProtocols[] = {
    {kProtocolName, &protocolCallback, 0, 64 * 1024, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

void captureHeaders(lws* wsi, const std::vector<std::string>& names, HttpHeaders& out) {
  out.clear();
  char buf[kMaxCapturedHeaderBytes];
  for (const auto& name : names) {
    std::string key = name + ":";
    int n = lws_hdr_custom_copy(wsi, buf, sizeof(buf), key.c_str(), static_cast<int>(key.size()));
    if (n >= 0) out.emplace_back(name, std::string(buf, static_cast<size_t>(n)));
  }
}
}  // namespace

const lws_protocols* wsClientProtocols() {
  return kProtocols;
}

WsConnection::WsConnection(WsClientContext& context, WsListener& listener)
    : context_(context),
      listener_(listener),
      connectTimer_(context.loop(),
                    [this] {
                      if (open_ || !active_) return;
                      detach();
                      WsCloseInfo info;
                      info.timedOut = true;
                      info.reason = "websocket connect timed out";
                      finish(std::move(info));
                    }),
      failLater_(context.loop(), [this] {
        if (active_) finish(std::move(pendingFailure_));
      }) {}

WsConnection::~WsConnection() {
  detach();
}

void WsConnection::detach() {
  if (resolving_) {
    resolving_->data = nullptr;  // the callback frees the request
    resolving_ = nullptr;
  }
  if (wsi_) {
    lws_set_wsi_user(wsi_, nullptr);
    lws_set_timeout(wsi_, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    wsi_ = nullptr;
  }
  connectTimer_.stop();
  failLater_.stop();
  open_ = false;
  queue_.clear();
  queuedBytes_ = 0;
  rx_.clear();
}

void WsConnection::finish(WsCloseInfo info) {
  if (!active_) return;
  active_ = false;
  open_ = false;
  wsi_ = nullptr;
  connectTimer_.stop();
  queue_.clear();
  queuedBytes_ = 0;
  rx_.clear();
  listener_.onWsClosed(info);  // last: the listener may destroy or reconnect us
}

void WsConnection::connect(WsConnectOptions options) {
  detach();
  active_ = true;
  closing_ = false;
  closeSent_ = false;
  peerCloseCode_ = 0;
  peerCloseReason_.clear();
  captured_.clear();
  options_ = std::move(options);
  auto fail = [this](std::string reason) {
    pendingFailure_ = WsCloseInfo{};
    pendingFailure_.reason = std::move(reason);
    failLater_.start(0);
  };
  auto url = Url::parse(options_.url);
  if (!url || (url->scheme != "ws" && url->scheme != "wss")) return fail("bad websocket URL");
  if (!context_.usable()) return fail("websocket context is shutting down");
  host_ = url->host;
  port_ = url->port;
  path_ = url->path;
  tls_ = url->tls();
  bool defaultPort = port_ == (tls_ ? 443 : 80);
  bool v6 = host_.find(':') != std::string::npos;
  hostHeader_ = (v6 ? "[" + host_ + "]" : host_) + (defaultPort ? "" : ":" + std::to_string(port_));
  connectTimer_.start(options_.connectTimeoutMs);

  unsigned char probe[16];
  if (inet_pton(AF_INET, host_.c_str(), probe) == 1 ||
      inet_pton(AF_INET6, host_.c_str(), probe) == 1)
    return startConnect(host_);
  auto* req = new uv_getaddrinfo_t{};
  req->data = this;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(
      context_.loop(), req,
      [](uv_getaddrinfo_t* r, int status, addrinfo* res) {
        auto* self = static_cast<WsConnection*>(r->data);
        if (self) {
          self->resolving_ = nullptr;
          self->onResolved(status, res);
        }
        uv_freeaddrinfo(res);
        delete r;
      },
      host_.c_str(), nullptr, &hints);
  if (rc != 0) {
    delete req;
    return fail(std::string("resolve: ") + uv_strerror(rc));
  }
  resolving_ = req;
}

void WsConnection::onResolved(int status, const addrinfo* res) {
  if (status != 0 || !res) {
    WsCloseInfo info;
    info.reason = std::string("resolve ") + host_ + ": " + uv_strerror(status);
    connectTimer_.stop();
    finish(std::move(info));
    return;
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (res->ai_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(res->ai_addr)->sin6_addr, text,
              sizeof(text));
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(res->ai_addr)->sin_addr, text,
              sizeof(text));
  }
  startConnect(text);
}

void WsConnection::startConnect(const std::string& address) {
  lws_client_connect_info i{};
  i.context = context_.context();
  i.address = address.c_str();
  i.port = port_;
  i.path = path_.c_str();
  i.host = hostHeader_.c_str();
  i.origin = hostHeader_.c_str();
  i.ssl_connection = tls_ ? LCCSCF_USE_SSL : 0;
  if (tls_ && options_.allowSelfSigned)
    i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
  i.local_protocol_name = kProtocolName;
  i.userdata = this;
  lws* wsi = lws_client_connect_via_info(&i);
  if (!active_) return;  // lws already reported a failure through the callback
  if (!wsi) {
    pendingFailure_ = WsCloseInfo{};
    pendingFailure_.reason = "websocket connect failed to start";
    failLater_.start(0);
    return;
  }
  wsi_ = wsi;
}

bool WsConnection::sendText(std::string_view text) {
  return enqueue(false, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

bool WsConnection::sendBinary(std::span<const uint8_t> bytes) {
  return enqueue(true, bytes.data(), bytes.size());
}

bool WsConnection::enqueue(bool binary, const uint8_t* data, size_t len) {
  if (!active_ || closing_) return false;
  if (queuedBytes_ + len > options_.maxQueuedBytes) return false;
  Frame f{binary, std::vector<uint8_t>(LWS_PRE + len)};
  if (len) std::memcpy(f.bytes.data() + LWS_PRE, data, len);
  queue_.push_back(std::move(f));
  queuedBytes_ += len;
  if (open_ && wsi_) lws_callback_on_writable(wsi_);
  return true;
}

void WsConnection::close(uint16_t code, std::string reason) {
  if (!active_) return;
  if (!open_) {  // nothing to say goodbye to: drop and report
    detach();
    WsCloseInfo info;
    info.byUs = true;
    info.closeCode = code;
    info.reason = "closed before the handshake completed";
    finish(std::move(info));
    return;
  }
  if (closing_) return;
  closing_ = true;
  closeCode_ = code;
  closeReason_ = std::move(reason);
  if (closeReason_.size() > 123) closeReason_.resize(123);  // control frame payload ≤ 125
  if (wsi_) lws_callback_on_writable(wsi_);
}

int WsConnection::callback(lws* wsi, int reason, void* user, void* in, size_t len) {
  auto* self = static_cast<WsConnection*>(user);
  if (!self) {
    // An abandoned connection (its owner was destroyed): make sure it goes away.
    if (reason == LWS_CALLBACK_CLIENT_WRITEABLE || reason == LWS_CALLBACK_CLIENT_RECEIVE ||
        reason == LWS_CALLBACK_CLIENT_ESTABLISHED)
      return -1;
    return 0;
  }
  return self->handle(wsi, reason, in, len);
}

int WsConnection::handle(lws* wsi, int reason, void* in, size_t len) {
  switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
      auto** p = static_cast<unsigned char**>(in);
      unsigned char* end = *p + len;
      for (const auto& [name, value] : options_.headers) {
        std::string key = name + ":";
        if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(key.c_str()),
                                        reinterpret_cast<const unsigned char*>(value.data()),
                                        static_cast<int>(value.size()), p, end))
          return -1;
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
      captureHeaders(wsi, options_.captureHeaders, captured_);
      return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      wsi_ = wsi;
      open_ = true;
      connectTimer_.stop();
      if (!queue_.empty() || closing_) lws_callback_on_writable(wsi);
      listener_.onWsOpen(captured_);
      return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
      WsCloseInfo info;
      info.reason = in ? std::string(static_cast<const char*>(in),
                                     strnlen(static_cast<const char*>(in), len ? len : 256))
                       : "connection error";
      info.httpStatus = static_cast<int>(lws_http_client_http_response(wsi));
      if (info.httpStatus == 0) {
        char status[8] = {};
        if (lws_hdr_copy(wsi, status, sizeof(status), WSI_TOKEN_HTTP) > 0)
          info.httpStatus = std::atoi(status);
      }
      captureHeaders(wsi, options_.captureHeaders, info.headers);
      wsi_ = nullptr;
      lws_set_wsi_user(wsi, nullptr);
      finish(std::move(info));
      return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE: {
      bool first = lws_is_first_fragment(wsi);
      if (first) {
        rx_.clear();
        rxBinary_ = lws_frame_is_binary(wsi);
      }
      if (rx_.size() + len > options_.maxMessageBytes) {
        closing_ = true;
        closeCode_ = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
        closeReason_ = "message too large";
        rx_.clear();
        lws_callback_on_writable(wsi);
        return 0;
      }
      rx_.append(static_cast<const char*>(in), len);
      if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
      std::string msg = std::move(rx_);
      rx_.clear();
      if (rxBinary_) {
        listener_.onWsBinary(
            std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(msg.data()), msg.size()));
      } else {
        listener_.onWsText(msg);
      }
      return 0;  // `this` may be gone now
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
      if (!queue_.empty()) {
        Frame f = std::move(queue_.front());
        queue_.pop_front();
        size_t n = f.bytes.size() - LWS_PRE;
        queuedBytes_ -= n;
        int rc = lws_write(wsi, f.bytes.data() + LWS_PRE, n,
                           f.binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
        if (rc < static_cast<int>(n)) return -1;
        if (!queue_.empty() || closing_) lws_callback_on_writable(wsi);
        return 0;
      }
      if (closing_ && !closeSent_) {
        // lws's idiom lws_close_reason() + `return -1` does not work from a WRITEABLE
        // callback: lws takes the -1 for a failed write, marks the socket unusable and drops
        // TCP without a close frame (the peer sees 1006). Closing through lws_set_timeout(…,
        // LWS_TO_KILL_SYNC) instead takes lws's polite path: it sends the close frame with our
        // code and reason (RFC 6455 §5.5.1), waits for the echo, then CLIENT_CLOSED follows.
        closeSent_ = true;
        lws_close_reason(wsi, static_cast<lws_close_status>(closeCode_),
                         reinterpret_cast<unsigned char*>(closeReason_.data()),
                         closeReason_.size());
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
      }
      return 0;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      // The payload is the peer's close frame: 2-byte code, then the reason (RFC 6455 §5.5.1).
      // (The echo of our own close is consumed by lws and does not come here.)
      const auto* p = static_cast<const uint8_t*>(in);
      if (len >= 2) {
        peerCloseCode_ = (p[0] << 8) | p[1];
        peerCloseReason_.assign(reinterpret_cast<const char*>(p + 2),
                                std::min<size_t>(len - 2, 123));
      } else {
        peerCloseCode_ = LWS_CLOSE_STATUS_NO_STATUS;
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED: {
      WsCloseInfo info;
      info.opened = open_;
      if (peerCloseCode_) {
        info.closeCode = peerCloseCode_;
        info.reason = peerCloseReason_;
      } else if (closing_) {
        info.byUs = true;
        info.closeCode = closeCode_;
        info.reason = closeReason_;
      } else {
        info.closeCode = 1006;  // RFC 6455 §7.1.5: closed abnormally, no close frame
        info.reason = "connection dropped";
      }
      wsi_ = nullptr;
      lws_set_wsi_user(wsi, nullptr);
      finish(std::move(info));
      return 0;
    }
    case LWS_CALLBACK_WSI_DESTROY:
      // lws frees a connection it gave up on: forget it, so a later detach() (the connect
      // timer, the destructor) never touches freed memory.
      if (wsi == wsi_) wsi_ = nullptr;
      return 0;
    default:
      return 0;
  }
}

}  // namespace parley::dialog
