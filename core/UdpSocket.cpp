#include "core/UdpSocket.hpp"

#include <memory>

#include "core/Error.hpp"

namespace parley::core {

UdpSocket::UdpSocket(uv_loop_t* loop, OnDatagram onDatagram) : onDatagram_(std::move(onDatagram)) {
  int rc = uv_udp_init(loop, handle_.get());
  if (rc != 0) throw SystemError(std::string("uv_udp_init: ") + uv_strerror(rc), rc);
  handle_.markInitialized();
  handle_.get()->data = this;
}

void UdpSocket::bind(const SocketAddress& local) {
  int rc = uv_udp_bind(handle_.get(), local.sa(), 0);
  if (rc != 0) throw SystemError("bind udp " + local.toString() + ": " + uv_strerror(rc), rc);
  rc = uv_udp_recv_start(handle_.get(), &UdpSocket::onAlloc, &UdpSocket::onRecv);
  if (rc != 0) throw SystemError(std::string("uv_udp_recv_start: ") + uv_strerror(rc), rc);
}

SocketAddress UdpSocket::localAddress() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_udp_getsockname(handle_.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return SocketAddress(reinterpret_cast<const sockaddr*>(&ss));
}

bool UdpSocket::send(std::span<const uint8_t> data, const SocketAddress& to) noexcept {
  uv_buf_t buf = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(data.data())),
                             static_cast<unsigned>(data.size()));
  int rc = uv_udp_try_send(handle_.get(), &buf, 1, to.sa());
  if (rc < 0) {
    ++sendFailures_;
    return false;
  }
  return true;
}

void UdpSocket::onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<UdpSocket*>(h->data);
  if (!self) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  // One per thread, not zero-filled: only the bytes of each datagram are ever read.
  thread_local std::unique_ptr<uint8_t[]> shared(new uint8_t[kRecvBufferBytes]);
  *buf =
      uv_buf_init(reinterpret_cast<char*>(shared.get()), static_cast<unsigned>(kRecvBufferBytes));
}

void UdpSocket::onRecv(uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* addr,
                       unsigned) {
  auto* self = static_cast<UdpSocket*>(h->data);
  if (!self || n <= 0 || addr == nullptr) return;  // n == 0 with addr == nullptr: nothing read
  self->onDatagram_(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(n)),
      SocketAddress(addr));
}

}  // namespace parley::core
