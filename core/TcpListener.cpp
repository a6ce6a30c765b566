#include "core/TcpListener.hpp"

#include <cstring>

#include "core/Error.hpp"

namespace parley::core {
namespace {
constexpr size_t kReadChunk = 64 * 1024;

struct WriteRequest {
  uv_write_t req;
  std::unique_ptr<char[]> data;
};
}  // namespace

TcpConnection::TcpConnection(uv_loop_t* loop) : readBuffer_(new char[kReadChunk]) {
  int rc = uv_tcp_init(loop, handle_.get());
  if (rc != 0) throw SystemError(std::string("uv_tcp_init: ") + uv_strerror(rc), rc);
  handle_.markInitialized();
  handle_.get()->data = this;
}

void TcpConnection::start(OnData onData, OnClose onClose) {
  onData_ = std::move(onData);
  onClose_ = std::move(onClose);
  uv_read_start(reinterpret_cast<uv_stream_t*>(handle_.get()), &TcpConnection::onAlloc,
                &TcpConnection::onRead);
}

bool TcpConnection::write(std::span<const uint8_t> data) {
  if (closed_) return false;
  auto* w = new WriteRequest;
  w->data.reset(new char[data.size()]);
  std::memcpy(w->data.get(), data.data(), data.size());
  uv_buf_t buf = uv_buf_init(w->data.get(), static_cast<unsigned>(data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(handle_.get()), &buf, 1,
                    [](uv_write_t* req, int) { delete reinterpret_cast<WriteRequest*>(req); });
  if (rc != 0) {
    delete w;
    return false;
  }
  return true;
}

void TcpConnection::close() {
  closed_ = true;
  handle_.close();
}

SocketAddress TcpConnection::peer() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(handle_.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return SocketAddress(reinterpret_cast<const sockaddr*>(&ss));
}

void TcpConnection::onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<TcpConnection*>(h->data);
  *buf = self ? uv_buf_init(self->readBuffer_.get(), kReadChunk) : uv_buf_init(nullptr, 0);
}

void TcpConnection::onRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* self = static_cast<TcpConnection*>(s->data);
  if (!self) return;
  if (n > 0) {
    self->onData_(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf->base),
                                           static_cast<size_t>(n)));
  } else if (n < 0) {
    self->closed_ = true;
    uv_read_stop(s);
    if (self->onClose_) self->onClose_();
  }
}

TcpListener::TcpListener(uv_loop_t* loop, OnConnection onConnection)
    : loop_(loop), onConnection_(std::move(onConnection)) {
  int rc = uv_tcp_init(loop, handle_.get());
  if (rc != 0) throw SystemError(std::string("uv_tcp_init: ") + uv_strerror(rc), rc);
  handle_.markInitialized();
  handle_.get()->data = this;
}

void TcpListener::listen(const SocketAddress& local) {
  int rc = uv_tcp_bind(handle_.get(), local.sa(), 0);
  if (rc == 0)
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(handle_.get()), 128, &TcpListener::onConnect);
  if (rc != 0) throw SystemError("listen tcp " + local.toString() + ": " + uv_strerror(rc), rc);
}

SocketAddress TcpListener::localAddress() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getsockname(handle_.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return SocketAddress(reinterpret_cast<const sockaddr*>(&ss));
}

void TcpListener::onConnect(uv_stream_t* server, int status) {
  auto* self = static_cast<TcpListener*>(server->data);
  if (!self || status < 0) return;
  auto conn = std::make_unique<TcpConnection>(self->loop_);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(conn->handle())) != 0) return;
  self->onConnection_(std::move(conn));
}

}  // namespace parley::core
