#include "dialog/local/LocalServer.hpp"

// clang-format off
#include <uv.h>
#include <libwebsockets.h>
// clang-format on

#include <cstring>
#include <deque>
#include <list>

#include "core/Error.hpp"
#include "core/Log.hpp"

namespace parley::dialog::local {

std::optional<std::string> LocalRequest::arg(std::string_view name) const {
  for (const auto& [k, v] : args)
    if (k == name) return v;
  return std::nullopt;
}

LocalResponse LocalService::onHttp(const LocalRequest& request) {
  return {.status = 404,
          .contentType = "application/json",
          .body = R"({"error":{"message":"no route for )" + request.path +
                  R"(","type":"invalid_request_error","code":"not_found"}})"};
}

std::variant<std::unique_ptr<WsSession>, LocalReject> LocalService::onUpgrade(
    const LocalRequest& req, WsPeer&) {
  return LocalReject{.status = 404, .headers = {}, .body = "no websocket at " + req.path};
}

namespace {

core::Logger& log() {
  static core::Logger l("local-server");
  return l;
}

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

/// The websocket close opcode as an lws_write() mode: lws 4.1.6 handles it (LWS_WRITE_CLOSE in
/// its private headers) but no longer names it in the public lws-write.h.
constexpr auto kLwsWriteClose = static_cast<lws_write_protocol>(4);
/// After our close frame, how long to wait for the client's echo before dropping TCP, s.
constexpr int kCloseAckTimeoutS = 3;

/// Decodes %XX and '+' in a query component.
std::string urlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string copyHeader(lws* wsi, lws_token_indexes token) {
  int n = lws_hdr_total_length(wsi, token);
  if (n <= 0) return {};
  std::string v(static_cast<size_t>(n) + 1, '\0');
  int got = lws_hdr_copy(wsi, v.data(), n + 1, token);
  v.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return v;
}

LocalRequest readRequest(lws* wsi) {
  LocalRequest r;
  struct {
    lws_token_indexes token;
    const char* method;
  } static const kMethods[] = {{WSI_TOKEN_GET_URI, "GET"},
                               {WSI_TOKEN_POST_URI, "POST"},
                               {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
                               {WSI_TOKEN_PUT_URI, "PUT"},
                               {WSI_TOKEN_DELETE_URI, "DELETE"}};
  for (const auto& m : kMethods) {
    if (lws_hdr_total_length(wsi, m.token) > 0) {
      r.method = m.method;
      r.path = copyHeader(wsi, m.token);
      break;
    }
  }
  char frag[2048];
  for (int i = 0;; ++i) {
    int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n <= 0) break;
    // lws has already url-decoded the fragment, but not '+'.
    std::string kv(frag, static_cast<size_t>(n));
    size_t eq = kv.find('=');
    if (eq == std::string::npos)
      r.args.emplace_back(urlDecode(kv), "");
    else
      r.args.emplace_back(urlDecode(kv.substr(0, eq)), urlDecode(kv.substr(eq + 1)));
  }
  struct {
    const char* name;
    lws_token_indexes token;
  } static const kHeaders[] = {{"content-type", WSI_TOKEN_HTTP_CONTENT_TYPE},
                               {"content-length", WSI_TOKEN_HTTP_CONTENT_LENGTH},
                               {"authorization", WSI_TOKEN_HTTP_AUTHORIZATION},
                               {"accept", WSI_TOKEN_HTTP_ACCEPT}};
  for (const auto& h : kHeaders) {
    std::string v = copyHeader(wsi, h.token);
    if (!v.empty()) r.headers[h.name] = std::move(v);
  }
  char buf[512];
  int n = lws_hdr_custom_copy(wsi, buf, sizeof buf, "xi-api-key:", 11);
  if (n > 0) r.headers["xi-api-key"] = std::string(buf, static_cast<size_t>(n));
  return r;
}

}  // namespace

struct LocalServer::Impl {
  /// One websocket connection.
  struct Peer final : WsPeer {
    Impl* server = nullptr;
    lws* wsi = nullptr;
    LocalRequest req;
    std::unique_ptr<WsSession> session;
    std::deque<std::pair<bool, std::vector<uint8_t>>> out;  ///< (binary, LWS_PRE + payload)
    std::string in;                                         ///< message being reassembled
    bool inBinary = false;
    bool inTooBig = false;
    bool closing = false;
    bool closeSent = false;
    uint16_t code = 1000;
    std::string reason;

    void push(bool binary, const void* p, size_t n) {
      if (!wsi || closing) return;
      std::vector<uint8_t> v(LWS_PRE + n);
      if (n) std::memcpy(v.data() + LWS_PRE, p, n);
      out.emplace_back(binary, std::move(v));
      lws_callback_on_writable(wsi);
    }
    void sendText(std::string text) override { push(false, text.data(), text.size()); }
    void sendBinary(std::span<const uint8_t> bytes) override {
      push(true, bytes.data(), bytes.size());
    }
    void close(uint16_t c, std::string r) override {
      if (closing) return;
      closing = true;
      code = c;
      if (r.size() > 123) r.resize(123);  // RFC 6455 §5.5: control payload ≤ 125 bytes
      reason = std::move(r);
      if (wsi) lws_callback_on_writable(wsi);
    }
    const LocalRequest& request() const override { return req; }
    size_t queued() const override { return out.size(); }
  };
  /// Per-connection user data (lws allocates it, zeroed).
  struct Slot {
    Peer* peer;
    LocalRequest* http;  ///< HTTP request being read
    std::string* reply;  ///< LWS_PRE + body being written
  };

  LocalService* service = nullptr;
  lws_context* context = nullptr;
  bool closing = false;
  std::list<Peer> peers;
  std::optional<LocalRequest> pendingUpgrade;
  lws_protocols protocols[2] = {
      {"parley-local", &callback, sizeof(Slot), kMaxLocalWsMessageBytes, 0, nullptr, 0},
      {nullptr, nullptr, 0, 0, 0, nullptr, 0}};

  int respond(lws* wsi, Slot& slot, const LocalResponse& r) {
    unsigned char headers[LWS_PRE + 2048];
    unsigned char *start = headers + LWS_PRE, *p = start, *end = headers + sizeof headers - 1;
    if (lws_add_http_common_headers(wsi, static_cast<unsigned>(r.status), r.contentType.c_str(),
                                    r.body.size(), &p, end))
      return -1;
    for (const auto& [k, v] : r.headers) {
      std::string name = k + ":";
      if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(name.c_str()),
                                      reinterpret_cast<const unsigned char*>(v.data()),
                                      static_cast<int>(v.size()), &p, end))
        return -1;
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
    if (r.body.empty()) return lws_http_transaction_completed(wsi) ? -1 : 0;
    delete slot.reply;
    slot.reply = new std::string(LWS_PRE, '\0');
    *slot.reply += r.body;
    lws_callback_on_writable(wsi);
    return 0;
  }
};

namespace {

LocalServer::Impl* implOf(lws* wsi) {
  return static_cast<LocalServer::Impl*>(lws_context_user(lws_get_context(wsi)));
}

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  using Impl = LocalServer::Impl;
  auto* slot = static_cast<Impl::Slot*>(user);
  switch (reason) {
    case LWS_CALLBACK_HTTP: {
      auto* s = implOf(wsi);
      if (!slot || !s) return -1;
      delete slot->http;
      slot->http = new LocalRequest(readRequest(wsi));
      if (in) slot->http->path = static_cast<const char*>(in);
      if (slot->http->method == "POST" || slot->http->method == "PUT") {
        const auto it = slot->http->headers.find("content-length");
        size_t declared =
            it == slot->http->headers.end() ? 0 : std::strtoull(it->second.c_str(), nullptr, 10);
        if (declared > kMaxLocalBodyBytes)
          return s->respond(wsi, *slot,
                            {.status = 413,
                             .contentType = "application/json",
                             .headers = {},
                             .body = R"({"error":{"message":"request body too large",)"
                                     R"("type":"invalid_request_error","code":"too_large"}})"});
        if (declared > 0) return 0;  // wait for the body
      }
      return s->respond(wsi, *slot, s->service->onHttp(*slot->http));
    }
    case LWS_CALLBACK_HTTP_BODY:
      if (!slot || !slot->http) return 0;
      if (slot->http->body.size() + len > kMaxLocalBodyBytes) return -1;
      slot->http->body.append(static_cast<const char*>(in), len);
      return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
      auto* s = implOf(wsi);
      if (!slot || !slot->http || !s) return -1;
      return s->respond(wsi, *slot, s->service->onHttp(*slot->http));
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: {
      if (!slot || !slot->reply) return 0;
      size_t n = slot->reply->size() - LWS_PRE;
      int w = lws_write(wsi, reinterpret_cast<unsigned char*>(slot->reply->data()) + LWS_PRE, n,
                        LWS_WRITE_HTTP_FINAL);
      delete slot->reply;
      slot->reply = nullptr;
      if (w < 0) return -1;
      return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
      if (slot) {
        delete slot->http;
        delete slot->reply;
        slot->http = nullptr;
        slot->reply = nullptr;
      }
      return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
      auto* s = implOf(wsi);
      if (!s || s->closing) return -1;
      LocalRequest req = readRequest(wsi);
      auto reject = s->service->checkUpgrade(req);
      if (!reject) {
        s->pendingUpgrade = std::move(req);
        return 0;
      }
      unsigned char buf[LWS_PRE + 2048];
      unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
      std::string body = reject->body.substr(0, 1024);
      if (lws_add_http_header_status(wsi, static_cast<unsigned>(reject->status), &p, end))
        return -1;
      for (const auto& [k, v] : reject->headers) {
        std::string name = k + ":";
        std::string value = v.substr(0, 512);
        if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(name.c_str()),
                                        reinterpret_cast<const unsigned char*>(value.data()),
                                        static_cast<int>(value.size()), &p, end))
          return -1;
      }
      if (lws_add_http_header_content_length(wsi, body.size(), &p, end)) return -1;
      if (lws_finalize_http_header(wsi, &p, end)) return -1;
      std::memcpy(p, body.data(), body.size());
      p += body.size();
      lws_write(wsi, start, static_cast<size_t>(p - start), LWS_WRITE_HTTP_HEADERS);
      return 1;
    }
    case LWS_CALLBACK_ESTABLISHED: {
      auto* s = implOf(wsi);
      if (!s || !slot) return -1;
      s->peers.emplace_back();
      auto& peer = s->peers.back();
      peer.server = s;
      peer.wsi = wsi;
      if (s->pendingUpgrade) peer.req = std::move(*s->pendingUpgrade);
      s->pendingUpgrade.reset();
      slot->peer = &peer;
      auto result = s->service->onUpgrade(peer.req, peer);
      if (auto* session = std::get_if<std::unique_ptr<WsSession>>(&result)) {
        peer.session = std::move(*session);
      } else {
        // The upgrade already happened, so a refusal is a close frame with the reason as text:
        // 503 (at capacity) → 1011 as Deepgram closes when it cannot serve (clients retry it;
        // 1013 "try again later" would fit better, but lws 4.1 clients turn it into 1002), other
        // refusals → 1008 policy violation (RFC 6455 §7.4.1).
        const auto& reject = std::get<LocalReject>(result);
        peer.close(reject.status == 503 ? 1011 : 1008, reject.body);
      }
      return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
      if (!slot || !slot->peer) return 0;
      auto& peer = *slot->peer;
      if (lws_is_first_fragment(wsi)) {
        peer.in.clear();
        peer.inTooBig = false;
        peer.inBinary = lws_frame_is_binary(wsi) != 0;
      }
      if (peer.in.size() + len > kMaxLocalWsMessageBytes) peer.inTooBig = true;
      if (!peer.inTooBig) peer.in.append(static_cast<const char*>(in), len);
      if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0) return 0;
      if (peer.inTooBig) {
        peer.close(1009,
                   "message larger than " + std::to_string(kMaxLocalWsMessageBytes) + " bytes");
        return 0;
      }
      if (!peer.session || peer.closing) return 0;
      if (peer.inBinary)
        peer.session->onBinary(std::span<const uint8_t>(
            reinterpret_cast<const uint8_t*>(peer.in.data()), peer.in.size()));
      else
        peer.session->onText(peer.in);
      return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      if (!slot || !slot->peer) return 0;
      auto& peer = *slot->peer;
      if (!peer.out.empty()) {
        auto [binary, bytes] = std::move(peer.out.front());
        peer.out.pop_front();
        size_t n = bytes.size() - LWS_PRE;
        if (lws_write(wsi, bytes.data() + LWS_PRE, n, binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) <
            static_cast<int>(n))
          return -1;
        if (!peer.out.empty() || peer.closing) lws_callback_on_writable(wsi);
        return 0;
      }
      if (peer.closing && !peer.closeSent) {
        // Write the close frame ourselves (RFC 6455 §5.5.1: code, then the UTF-8 reason).
        // lws_close_reason() + return -1 from a WRITEABLE callback drops TCP without the frame
        // (lws takes it for a failed write) and the client sees 1006. Then wait for the echo.
        std::vector<uint8_t> frame(LWS_PRE + 2 + peer.reason.size());
        frame[LWS_PRE] = static_cast<uint8_t>(peer.code >> 8);
        frame[LWS_PRE + 1] = static_cast<uint8_t>(peer.code & 0xFF);
        std::memcpy(frame.data() + LWS_PRE + 2, peer.reason.data(), peer.reason.size());
        if (lws_write(wsi, frame.data() + LWS_PRE, frame.size() - LWS_PRE, kLwsWriteClose) < 0)
          return -1;
        peer.closeSent = true;
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_ACK, kCloseAckTimeoutS);
      }
      return 0;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
      // The echo of our close ends the connection; a client's own close is echoed by lws.
      if (slot && slot->peer && slot->peer->closeSent) return -1;
      return 0;
    case LWS_CALLBACK_CLOSED: {
      if (!slot || !slot->peer) return 0;
      Impl::Peer* peer = slot->peer;
      slot->peer = nullptr;
      peer->wsi = nullptr;
      if (peer->session) peer->session->onClosed();
      peer->session.reset();
      peer->server->peers.remove_if([peer](const Impl::Peer& p) { return &p == peer; });
      return 0;
    }
    default:
      break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

void lwsLog(int level, const char* line) {
  std::string msg(line);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  if (level & LLL_ERR)
    log().warn("libwebsockets: {}", msg);
  else
    log().debug("libwebsockets: {}", msg);
}

}  // namespace

LocalServer::LocalServer(uv_loop_t* loop, LocalService& service, const std::string& host,
                         uint16_t port)
    : impl_(std::make_unique<Impl>()) {
  impl_->service = &service;
  lws_set_log_level(LLL_ERR | LLL_WARN, lwsLog);
  lws_context_creation_info info{};
  info.port = port;
  info.iface = host.c_str();
  info.protocols = impl_->protocols;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
  void* loops[1] = {loop};
  info.foreign_loops = loops;
  info.user = impl_.get();
  info.pcontext = &impl_->context;
  info.gid = static_cast<gid_t>(-1);
  info.uid = static_cast<uid_t>(-1);
  info.max_http_header_pool = 64;
  impl_->context = lws_create_context(&info);
  int p = impl_->context
              ? lws_get_vhost_listen_port(lws_get_vhost_by_name(impl_->context, "default"))
              : -1;
  if (p <= 0) {
    if (impl_->context) lws_context_destroy(impl_->context);
    impl_->context = nullptr;
    throw core::SystemError("cannot listen on " + host + ":" + std::to_string(port) +
                                " for a local provider (address in use?)",
                            -1);
  }
  port_ = static_cast<uint16_t>(p);
}

void LocalServer::close() {
  if (impl_->context && !impl_->closing) {
    impl_->closing = true;
    lws_context_destroy(impl_->context);
  }
}

LocalServer::~LocalServer() {
  close();
  // lws 4.1.6 on a foreign loop: the second call frees what the first could not while the loop
  // still had lws handles open.
  if (impl_->context) lws_context_destroy(impl_->context);
}

size_t LocalServer::sessions() const {
  return impl_->peers.size();
}

}  // namespace parley::dialog::local
