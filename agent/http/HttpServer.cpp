#include "agent/http/HttpServer.hpp"

#include <uv.h>
// uv.h must come before libwebsockets.h so its libuv event-lib declarations are enabled.
#include <libwebsockets.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "core/Log.hpp"

namespace parley::agent {
namespace {

core::Logger& httpLog() {
  static core::Logger log("http");
  return log;
}

void lwsLogToSpdlog(int level, const char* line) {
  std::string msg(line);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  if (level & LLL_ERR)
    httpLog().warn("libwebsockets: {}", msg);
  else
    httpLog().debug("libwebsockets: {}", msg);
}

/// Bytes written per LWS_CALLBACK_HTTP_WRITEABLE for a stream: bounds one lws_write (its
/// kernel send may be partial; lws keeps the rest and flushes it before the next writeable).
constexpr size_t kStreamChunkBytes = 16 * 1024;

/// The state of one streamed response, shared by the connection (loop thread) and the
/// producer's writer (any thread). `mutex` guards everything but `wsi`, which only the loop
/// thread touches.
struct StreamState {
  std::mutex mutex;
  std::string pending;             ///< queued, not yet written
  bool endRequested = false;       ///< end() called: close once `pending` is sent
  bool closed = false;             ///< no more writes (client gone, server closing, too slow)
  lws_context* context = nullptr;  ///< to wake the loop (lws_cancel_service); null once closed
  lws* wsi = nullptr;              ///< loop thread only; null once the connection closed
  std::string keepAlive;
  int keepAliveMs = 0;
};

/// The producer's handle on a stream (HttpStreamWriter). Waking the loop happens under the
/// state's mutex, so it never races the server destroying its context (close() marks every
/// stream closed under the same mutex first).
class StreamWriter final : public HttpStreamWriter {
 public:
  explicit StreamWriter(std::shared_ptr<StreamState> state) : state_(std::move(state)) {}
  bool write(std::string_view bytes) override {
    std::lock_guard lock(state_->mutex);
    if (state_->closed || state_->endRequested) return false;
    if (state_->pending.size() + bytes.size() > HttpResponse::kMaxStreamBacklogBytes) {
      // A client that does not read: stop queueing; the loop closes the connection.
      state_->closed = true;
      wake();
      return false;
    }
    state_->pending.append(bytes);
    wake();
    return true;
  }
  void end() override {
    std::lock_guard lock(state_->mutex);
    if (state_->closed || state_->endRequested) return;
    state_->endRequested = true;
    wake();
  }
  bool closed() const override {
    std::lock_guard lock(state_->mutex);
    return state_->closed || state_->endRequested;
  }

 private:
  // Caller holds the mutex. lws_cancel_service() may be called from any thread while the
  // context exists; the loop then gets LWS_CALLBACK_EVENT_WAIT_CANCELLED and asks for writeable.
  void wake() {
    if (state_->context) lws_cancel_service(state_->context);
  }
  std::shared_ptr<StreamState> state_;
};

/// One HTTP transaction on a connection (a keep-alive connection has several in turn).
struct Transaction {
  HttpRequest request;
  size_t declaredLength = 0;
  bool bodyTooLarge = false;
  std::vector<unsigned char> out;  ///< LWS_PRE headroom + the response body
  size_t outLen = 0;
  int status = 0;
  /// The response was started: libwebsockets also reports BODY_COMPLETION for a POST with
  /// "Content-Length: 0", which must not answer a second time.
  bool responded = false;
  std::shared_ptr<StreamState> stream;  ///< set while a streamed response is open
};

struct PerSession {
  Transaction* tx;
};

HttpMethod methodOf(lws* wsi) {
  struct {
    lws_token_indexes token;
    HttpMethod method;
  } static const kMethods[] = {
      {WSI_TOKEN_GET_URI, HttpMethod::Get},         {WSI_TOKEN_POST_URI, HttpMethod::Post},
      {WSI_TOKEN_OPTIONS_URI, HttpMethod::Options}, {WSI_TOKEN_PUT_URI, HttpMethod::Put},
      {WSI_TOKEN_PATCH_URI, HttpMethod::Patch},     {WSI_TOKEN_DELETE_URI, HttpMethod::Delete},
      {WSI_TOKEN_HEAD_URI, HttpMethod::Head},
  };
  for (const auto& m : kMethods)
    if (lws_hdr_total_length(wsi, m.token) > 0) return m.method;
  return HttpMethod::Other;
}

std::string copyHeader(lws* wsi, lws_token_indexes token) {
  int len = lws_hdr_total_length(wsi, token);
  if (len <= 0) return {};
  std::string v(static_cast<size_t>(len) + 1, '\0');
  int n = lws_hdr_copy(wsi, v.data(), len + 1, token);
  if (n < 0) return {};
  v.resize(static_cast<size_t>(n));
  return v;
}

std::string copyQuery(lws* wsi) {
  std::string q;
  char frag[1024];
  for (int i = 0;; ++i) {
    int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n <= 0) break;
    if (!q.empty()) q += '&';
    q.append(frag, static_cast<size_t>(n));
  }
  return q;
}

std::string peerOf(lws* wsi) {
  char ip[64] = {};
  lws_get_peer_simple(wsi, ip, sizeof ip);
  return ip;
}

}  // namespace

struct HttpServer::Impl {
  const Router& router;
  HttpServerOptions options;
  lws_context* context = nullptr;
  bool closing = false;
  lws_vhost* vhost = nullptr;
  core::Counter* requestsByClass[6] = {};
  std::vector<lws_protocols> protocols;

  Impl(const Router& r, const HttpServerOptions& o) : router(r), options(o) {
    auto& m = core::MetricsRegistry::global();
    for (int c = 1; c <= 5; ++c)
      requestsByClass[c] = &m.counter("parley_http_requests_total", "HTTP requests answered",
                                      {{"code", std::to_string(c) + "xx"}});
  }

  static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
  int onRequest(lws* wsi, PerSession* pss, const char* uri);
  int respond(lws* wsi, Transaction& tx, const HttpResponse& response);
  int writeBody(lws* wsi, Transaction& tx);
  /// Sends a streamed response's headers and hands the producer its writer.
  int startStream(lws* wsi, Transaction& tx, const HttpResponse& response);
  /// LWS_CALLBACK_HTTP_WRITEABLE for a stream: sends queued bytes; -1 closes the connection.
  int writeStream(lws* wsi, Transaction& tx);
  /// The connection closed (or the server stops): producers' writers turn closed.
  void closeStream(lws* wsi, Transaction* tx);

  /// Open streams by connection (loop thread only), to find those with work after a wake-up.
  std::map<lws*, std::shared_ptr<StreamState>> streams;
};

int HttpServer::Impl::respond(lws* wsi, Transaction& tx, const HttpResponse& response) {
  if (tx.responded) return 0;
  tx.responded = true;
  tx.status = response.status;
  if (response.status >= 100 && response.status < 600)
    requestsByClass[response.status / 100]->inc();
  bool head = tx.request.method == HttpMethod::Head;
  if (response.stream && !head) return startStream(wsi, tx, response);
  const std::string& body = response.body;
  unsigned char headers[LWS_PRE + 4096];
  unsigned char* start = headers + LWS_PRE;
  unsigned char* p = start;
  unsigned char* end = headers + sizeof headers - 1;
  if (lws_add_http_common_headers(wsi, static_cast<unsigned>(response.status),
                                  response.contentType.c_str(), body.size(), &p, end))
    return -1;
  for (const auto& [name, value] : response.headers) {
    std::string n = name + ":";
    if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(n.c_str()),
                                    reinterpret_cast<const unsigned char*>(value.data()),
                                    static_cast<int>(value.size()), &p, end))
      return -1;
  }
  if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
  tx.out.assign(LWS_PRE + body.size(), 0);
  if (!head) std::memcpy(tx.out.data() + LWS_PRE, body.data(), body.size());
  tx.outLen = head ? 0 : body.size();
  if (tx.outLen == 0) {
    // Nothing more to send: the header write completed the transaction.
    return lws_http_transaction_completed(wsi) ? -1 : 0;
  }
  lws_callback_on_writable(wsi);
  return 0;
}

int HttpServer::Impl::startStream(lws* wsi, Transaction& tx, const HttpResponse& response) {
  unsigned char headers[LWS_PRE + 4096];
  unsigned char* start = headers + LWS_PRE;
  unsigned char* p = start;
  unsigned char* end = headers + sizeof headers - 1;
  // No Content-Length: libwebsockets adds "connection: close", the body ends when we close.
  if (lws_add_http_common_headers(wsi, static_cast<unsigned>(response.status),
                                  response.contentType.c_str(), LWS_ILLEGAL_HTTP_CONTENT_LEN, &p,
                                  end))
    return -1;
  for (const auto& [name, value] : response.headers) {
    std::string n = name + ":";
    if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(n.c_str()),
                                    reinterpret_cast<const unsigned char*>(value.data()),
                                    static_cast<int>(value.size()), &p, end))
      return -1;
  }
  if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
  // A long-lived response now: no HTTP timeouts, and the header table goes back to the pool
  // (the request's headers were copied into tx.request). What lws_http_mark_sse() does for
  // HTTP/1.1, without its error log about not being an h2 stream.
  lws_http_headers_detach(wsi);
  lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);

  auto state = std::make_shared<StreamState>();
  state->context = context;
  state->wsi = wsi;
  state->pending = response.body;
  state->keepAlive = response.keepAlive;
  state->keepAliveMs = response.keepAliveMs;
  tx.stream = state;
  streams[wsi] = state;
  if (!state->keepAlive.empty() && state->keepAliveMs > 0)
    lws_set_timer_usecs(wsi, static_cast<lws_usec_t>(state->keepAliveMs) * 1000);
  // The producer may write (or even end) from inside this call; the writeable below sends it.
  response.stream(std::make_shared<StreamWriter>(state));
  lws_callback_on_writable(wsi);
  return 0;
}

int HttpServer::Impl::writeStream(lws* wsi, Transaction& tx) {
  StreamState& st = *tx.stream;
  std::string chunk;
  bool more = false, finished = false;
  {
    std::lock_guard lock(st.mutex);
    if (st.closed && !st.endRequested) return -1;  // too slow a client, or closing: drop it
    const size_t n = std::min(st.pending.size(), kStreamChunkBytes);
    chunk.assign(LWS_PRE, '\0');
    chunk.append(st.pending, 0, n);
    st.pending.erase(0, n);
    more = !st.pending.empty();
    finished = !more && st.endRequested;
    if (finished) {
      st.closed = true;
      st.context = nullptr;
    }
  }
  const size_t len = chunk.size() - LWS_PRE;
  if (len > 0 && lws_write(wsi, reinterpret_cast<unsigned char*>(chunk.data()) + LWS_PRE, len,
                           LWS_WRITE_HTTP) < static_cast<int>(len))
    return -1;
  if (finished) return -1;  // lws flushes what it buffered, then closes (the body's end)
  if (more) lws_callback_on_writable(wsi);
  return 0;
}

void HttpServer::Impl::closeStream(lws* wsi, Transaction* tx) {
  if (!tx || !tx->stream) return;
  {
    std::lock_guard lock(tx->stream->mutex);
    tx->stream->closed = true;
    tx->stream->context = nullptr;
    tx->stream->wsi = nullptr;
  }
  streams.erase(wsi);
  tx->stream.reset();
}

int HttpServer::Impl::writeBody(lws* wsi, Transaction& tx) {
  int n = lws_write(wsi, tx.out.data() + LWS_PRE, tx.outLen, LWS_WRITE_HTTP_FINAL);
  if (n < 0) return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int HttpServer::Impl::onRequest(lws* wsi, PerSession* pss, const char* uri) {
  closeStream(wsi, pss->tx);
  delete pss->tx;
  pss->tx = new Transaction();
  Transaction& tx = *pss->tx;
  HttpRequest& req = tx.request;
  req.method = methodOf(wsi);
  req.path = uri ? uri : "/";
  req.query = copyQuery(wsi);
  req.peer = peerOf(wsi);
  struct {
    const char* name;
    lws_token_indexes token;
  } static const kHeaders[] = {{"content-type", WSI_TOKEN_HTTP_CONTENT_TYPE},
                               {"content-length", WSI_TOKEN_HTTP_CONTENT_LENGTH},
                               {"authorization", WSI_TOKEN_HTTP_AUTHORIZATION},
                               {"origin", WSI_TOKEN_ORIGIN},
                               {"accept", WSI_TOKEN_HTTP_ACCEPT},
                               {"user-agent", WSI_TOKEN_HTTP_USER_AGENT},
                               {"if-match", WSI_TOKEN_HTTP_IF_MATCH}};
  for (const auto& h : kHeaders) {
    std::string v = copyHeader(wsi, h.token);
    if (!v.empty()) req.headers[h.name] = std::move(v);
  }
  // Headers libwebsockets has no token for: an EventSource reconnecting sends Last-Event-ID.
  for (const char* name : {"last-event-id"}) {
    const std::string colon = std::string(name) + ":";
    const int nlen = static_cast<int>(colon.size());
    const int len = lws_hdr_custom_length(wsi, colon.c_str(), nlen);
    if (len <= 0 || len > 256) continue;
    std::string v(static_cast<size_t>(len) + 1, '\0');
    const int n = lws_hdr_custom_copy(wsi, v.data(), len + 1, colon.c_str(), nlen);
    if (n <= 0) continue;
    v.resize(static_cast<size_t>(n));
    req.headers[name] = std::move(v);
  }
  bool hasBody = req.method == HttpMethod::Post || req.method == HttpMethod::Put ||
                 req.method == HttpMethod::Patch;
  if (hasBody) {
    const std::string& cl = req.header("content-length");
    tx.declaredLength = cl.empty() ? 0 : std::strtoull(cl.c_str(), nullptr, 10);
    if (tx.declaredLength > options.maxBodyBytes) {
      tx.bodyTooLarge = true;
      respond(wsi, tx,
              HttpResponse::error(413, "request body larger than " +
                                           std::to_string(options.maxBodyBytes) + " bytes"));
      return 0;
    }
    if (tx.declaredLength > 0) return 0;  // wait for LWS_CALLBACK_HTTP_BODY(_COMPLETION)
  }
  return respond(wsi, tx, router.dispatch(req));
}

int HttpServer::Impl::callback(lws* wsi, lws_callback_reasons reason, void* user, void* in,
                               size_t len) {
  auto* pss = static_cast<PerSession*>(user);
  lws_vhost* vh = lws_get_vhost(wsi);
  auto* self = vh ? static_cast<Impl*>(lws_get_vhost_user(vh)) : nullptr;
  switch (reason) {
    case LWS_CALLBACK_HTTP:
      if (!self || !pss) return -1;
      return self->onRequest(wsi, pss, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_BODY:
      if (!self || !pss || !pss->tx || pss->tx->bodyTooLarge) return 0;
      if (pss->tx->request.body.size() + len > self->options.maxBodyBytes) {
        pss->tx->bodyTooLarge = true;
        return -1;  // lied about Content-Length (or chunked): drop the connection
      }
      pss->tx->request.body.append(static_cast<const char*>(in), len);
      return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
      if (!self || !pss || !pss->tx || pss->tx->bodyTooLarge || pss->tx->responded) return 0;
      return self->respond(wsi, *pss->tx, self->router.dispatch(pss->tx->request));
    case LWS_CALLBACK_HTTP_WRITEABLE:
      if (!self || !pss || !pss->tx) return 0;
      if (pss->tx->stream) return self->writeStream(wsi, *pss->tx);
      if (pss->tx->outLen == 0) return 0;
      return self->writeBody(wsi, *pss->tx);
    case LWS_CALLBACK_TIMER:
      // A stream's keep-alive: queue the comment and re-arm.
      if (self && pss && pss->tx && pss->tx->stream) {
        StreamState& st = *pss->tx->stream;
        std::lock_guard lock(st.mutex);
        if (st.closed || st.endRequested) return 0;
        st.pending += st.keepAlive;
        lws_set_timer_usecs(wsi, static_cast<lws_usec_t>(st.keepAliveMs) * 1000);
        lws_callback_on_writable(wsi);
      }
      return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      // A producer queued bytes or ended a stream from another thread (lws_cancel_service).
      if (self)
        for (auto& [streamWsi, st] : self->streams) {
          std::lock_guard lock(st->mutex);
          if (!st->pending.empty() || st->endRequested || st->closed)
            lws_callback_on_writable(streamWsi);
        }
      return 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
      if (pss) {
        if (self) self->closeStream(wsi, pss->tx);
        delete pss->tx;
        pss->tx = nullptr;
      }
      return 0;
    default:
      break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

HttpServer::HttpServer(uv_loop_t* loop, const HttpServerOptions& options, const Router& router)
    : impl_(std::make_unique<Impl>(router, options)) {
  lws_set_log_level(LLL_ERR | LLL_WARN, lwsLogToSpdlog);
  impl_->protocols = {
      {"http", &Impl::callback, sizeof(PerSession), 0, 0, nullptr, 0},
      {nullptr, nullptr, 0, 0, 0, nullptr, 0},
  };
  std::string host = options.listen.host();
  lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = options.listen.port();
  if (info.port == 0) info.port = 0;
  info.iface = (host == "0.0.0.0" || host == "::") ? nullptr : host.c_str();
  info.protocols = impl_->protocols.data();
  info.vhost_name = "parley";
  info.user = impl_.get();
  info.max_http_header_data = static_cast<unsigned short>(options.maxHeaderBytes);
  info.max_http_header_pool = 256;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  if (options.listen.family() == AF_INET) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  void* loops[1] = {loop};
  info.foreign_loops = loops;
  impl_->context = lws_create_context(&info);
  if (!impl_->context) throw core::SystemError("cannot create the HTTP server context", -1);
  impl_->vhost = lws_create_vhost(impl_->context, &info);
  if (!impl_->vhost) {
    lws_context_destroy(impl_->context);
    throw core::SystemError("cannot listen for HTTP on " + options.listen.toString() +
                                " (address in use or not local?)",
                            -1);
  }
}

void HttpServer::close() {
  if (impl_->context && !impl_->closing) {
    impl_->closing = true;
    // Producers must stop waking the context before it goes away.
    for (auto& [wsi, st] : impl_->streams) {
      std::lock_guard lock(st->mutex);
      st->closed = true;
      st->context = nullptr;
    }
    lws_context_destroy(impl_->context);
  }
}

HttpServer::~HttpServer() {
  close();
  // The second call frees what the first could not while the loop still had lws handles open.
  if (impl_->context) lws_context_destroy(impl_->context);
}

core::SocketAddress HttpServer::boundAddress() const {
  auto port = static_cast<uint16_t>(lws_get_vhost_listen_port(impl_->vhost));
  auto a = core::SocketAddress::fromHostPort(impl_->options.listen.host(), port);
  return a ? *a : impl_->options.listen;
}

}  // namespace parley::agent
