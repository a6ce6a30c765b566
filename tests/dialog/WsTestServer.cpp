#include "tests/dialog/WsTestServer.hpp"

// clang-format off
#include <uv.h>
#include <libwebsockets.h>
// clang-format on

#include <sys/socket.h>

#include <cstring>
#include <deque>
#include <future>
#include <list>
#include <thread>

#include "core/LoopThread.hpp"

namespace parley::dialog::test {

std::string WsTestRequest::arg(const std::string& name) const {
  for (const auto& [k, v] : args)
    if (k == name) return v;
  return {};
}

namespace {
int serverCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
const lws_protocols kProtocols[] = {
    {"parley-ws-test", &serverCallback, sizeof(void*), 64 * 1024, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

WsTestRequest readRequest(lws* wsi) {
  WsTestRequest r;
  char buf[4096];
  if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_GET_URI) > 0) r.path = buf;
  for (int n = 0; lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, n) > 0;
       ++n) {
    std::string kv(buf);
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      r.args.emplace_back(kv, "");
    } else {
      r.args.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) r.authorization = buf;
  int n = lws_hdr_custom_copy(wsi, buf, sizeof buf, "xi-api-key:", 11);
  if (n > 0) r.apiKeyHeader.assign(buf, static_cast<size_t>(n));
  return r;
}
}  // namespace

struct WsTestServer::Impl {
  struct Conn final : WsTestConn {
    Impl* server = nullptr;
    lws* wsi = nullptr;
    WsTestRequest req;
    std::deque<std::pair<bool, std::vector<uint8_t>>> queue;
    bool closing = false;
    bool closeSent = false;
    uint16_t code = 1000;
    std::string reason;
    void push(bool binary, const uint8_t* p, size_t n) {
      std::vector<uint8_t> v(LWS_PRE + n);
      if (n) std::memcpy(v.data() + LWS_PRE, p, n);
      queue.emplace_back(binary, std::move(v));
      if (wsi) lws_callback_on_writable(wsi);
    }
    void sendText(std::string text) override {
      push(false, reinterpret_cast<const uint8_t*>(text.data()), text.size());
    }
    void sendBinary(std::vector<uint8_t> bytes) override { push(true, bytes.data(), bytes.size()); }
    void close(uint16_t c, std::string r) override {
      closing = true;
      code = c;
      reason = std::move(r);
      if (wsi) lws_callback_on_writable(wsi);
    }
    void drop() override {
      if (wsi) ::shutdown(lws_get_socket_fd(wsi), SHUT_RDWR);
    }
    const WsTestRequest& request() const override { return req; }
  };

  WsTestHandler* handler = nullptr;
  core::LoopThread thread{"ws-test"};
  lws_context* context = nullptr;
  std::list<Conn> conns;
  std::optional<WsTestRequest> pendingUpgrade;
};

namespace {
WsTestServer::Impl* implOf(lws* wsi) {
  return static_cast<WsTestServer::Impl*>(lws_context_user(lws_get_context(wsi)));
}

int serverCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  auto* slot = static_cast<WsTestServer::Impl::Conn**>(user);
  switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
      auto* s = implOf(wsi);
      WsTestRequest req = readRequest(wsi);
      auto reject = s->handler->onUpgrade(req);
      if (!reject) {
        s->pendingUpgrade = std::move(req);
        return 0;
      }
      unsigned char buf[LWS_PRE + 2048];
      unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
      if (lws_add_http_header_status(wsi, static_cast<unsigned>(reject->status), &p, end))
        return -1;
      for (const auto& [k, v] : reject->headers) {
        std::string name = k + ":";
        if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(name.c_str()),
                                        reinterpret_cast<const unsigned char*>(v.data()),
                                        static_cast<int>(v.size()), &p, end))
          return -1;
      }
      if (lws_add_http_header_content_length(wsi, reject->body.size(), &p, end)) return -1;
      if (lws_finalize_http_header(wsi, &p, end)) return -1;
      std::memcpy(p, reject->body.data(), reject->body.size());
      p += reject->body.size();
      lws_write(wsi, start, static_cast<size_t>(p - start), LWS_WRITE_HTTP_HEADERS);
      return 1;
    }
    case LWS_CALLBACK_ESTABLISHED: {
      auto* s = implOf(wsi);
      s->conns.emplace_back();
      auto& c = s->conns.back();
      c.server = s;
      c.wsi = wsi;
      if (s->pendingUpgrade) c.req = std::move(*s->pendingUpgrade);
      s->pendingUpgrade.reset();
      *slot = &c;
      s->handler->onOpen(c);
      return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
      if (!slot || !*slot) return 0;
      auto* c = *slot;
      // Test messages are small: lws delivers each whole (rx_buffer_size 64 KiB).
      if (lws_frame_is_binary(wsi)) {
        c->server->handler->onBinary(*c, std::span<const uint8_t>(static_cast<uint8_t*>(in), len));
      } else {
        c->server->handler->onText(*c, std::string_view(static_cast<char*>(in), len));
      }
      return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      if (!slot || !*slot) return 0;
      auto* c = *slot;
      if (!c->queue.empty()) {
        auto [binary, bytes] = std::move(c->queue.front());
        c->queue.pop_front();
        size_t n = bytes.size() - LWS_PRE;
        if (lws_write(wsi, bytes.data() + LWS_PRE, n, binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) <
            static_cast<int>(n))
          return -1;
        if (!c->queue.empty() || c->closing) lws_callback_on_writable(wsi);
        return 0;
      }
      if (c->closing && !c->closeSent) {
        // As a real server: a close frame with code and reason, then wait for the echo. (lws's
        // lws_close_reason() + `return -1` from WRITEABLE drops TCP without the frame, so the
        // client would only ever see 1006; LWS_TO_KILL_SYNC takes lws's polite close path.)
        c->closeSent = true;
        lws_close_reason(wsi, static_cast<lws_close_status>(c->code),
                         reinterpret_cast<unsigned char*>(c->reason.data()), c->reason.size());
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
      }
      return 0;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      if (!slot || !*slot) return 0;
      auto* c = *slot;
      const auto* p = static_cast<const uint8_t*>(in);
      uint16_t code = len >= 2 ? static_cast<uint16_t>((p[0] << 8) | p[1]) : 1005;
      std::string_view why =
          len > 2 ? std::string_view(reinterpret_cast<const char*>(p + 2), len - 2) : "";
      c->server->handler->onPeerClose(*c, code, why);
      return 0;  // lws echoes the close and ends the connection
    }
    case LWS_CALLBACK_CLOSED: {
      if (!slot || !*slot) return 0;
      auto* c = *slot;
      *slot = nullptr;
      c->wsi = nullptr;
      c->server->handler->onClosed(*c);
      return 0;
    }
    default:
      return 0;
  }
}
}  // namespace

WsTestServer::WsTestServer(WsTestHandler& handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = &handler;
  std::promise<uint16_t> port;
  impl_->thread.post([this, &port] {
    lws_context_creation_info info{};
    info.port = 0;
    info.iface = "127.0.0.1";
    info.protocols = kProtocols;
    info.options = LWS_SERVER_OPTION_LIBUV;
    void* loops[1] = {impl_->thread.loop()};
    info.foreign_loops = loops;
    info.user = impl_.get();
    info.pcontext = &impl_->context;
    info.gid = static_cast<gid_t>(-1);
    info.uid = static_cast<uid_t>(-1);
    impl_->context = lws_create_context(&info);
    int p = 0;
    if (impl_->context)
      p = lws_get_vhost_listen_port(lws_get_vhost_by_name(impl_->context, "default"));
    port.set_value(static_cast<uint16_t>(p));
  });
  port_ = port.get_future().get();
}

WsTestServer::~WsTestServer() {
  run([this] {
    if (impl_->context) lws_context_destroy(impl_->context);
  });
  // lws nulls `context` (info.pcontext) once its uv handles have closed on the server loop.
  for (int i = 0; i < 5000; ++i) {
    bool gone = false;
    run([&] {
      if (i > 0 && impl_->context) lws_context_destroy(impl_->context);  // foreign loop: twice
      gone = impl_->context == nullptr;
    });
    if (gone) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->thread.stop();
}

void WsTestServer::run(const std::function<void()>& fn) {
  std::promise<void> done;
  impl_->thread.post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace parley::dialog::test
