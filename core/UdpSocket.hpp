#pragma once
// A UDP socket on a libuv loop for RTP/RTCP/STUN/DTLS. Receives into one fixed 64 KiB buffer
// owned by the socket (no allocation per datagram); sends with uv_udp_try_send (no request
// allocation; a full socket buffer counts as a drop, as a real-time sender must not queue).
#include <uv.h>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/SocketAddress.hpp"
#include "core/UvHandle.hpp"

namespace parley::core {

class UdpSocket {
 public:
  /// Called on the loop thread for each datagram; `data` is valid only during the call.
  using OnDatagram = std::function<void(std::span<const uint8_t> data, const SocketAddress& from)>;

  /// Throws SystemError if the handle cannot be created.
  UdpSocket(uv_loop_t* loop, OnDatagram onDatagram);
  /// Binds (SO_REUSEADDR off) and starts receiving. Throws SystemError (e.g. EADDRINUSE).
  void bind(const SocketAddress& local);
  /// The bound address (with the real port after binding port 0).
  SocketAddress localAddress() const;
  /// Sends one datagram now. Returns false (and counts) when the kernel buffer is full or the
  /// destination is unreachable; never throws, never blocks.
  bool send(std::span<const uint8_t> data, const SocketAddress& to) noexcept;
  uint64_t sendFailures() const noexcept { return sendFailures_; }
  void close() { handle_.close(); }

 private:
  static void onAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void onRecv(uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* addr,
                     unsigned flags);

  static constexpr size_t kRecvBufferBytes = 64 * 1024;  // largest UDP datagram
  UvHandle<uv_udp_t> handle_;
  OnDatagram onDatagram_;
  // No per-socket receive buffer: libuv reads each datagram into the buffer onAlloc hands out
  // and calls onRecv before the next read (no recvmmsg without UV_UDP_RECVMMSG), so one buffer
  // per loop thread serves every socket on it (a call has two sockets; 64 KiB each was 128 KiB
  // of resident memory per call).
  uint64_t sendFailures_ = 0;
};

}  // namespace parley::core
