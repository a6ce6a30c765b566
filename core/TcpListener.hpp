#pragma once
// Plain TCP on a libuv loop: a listener that hands out connections, and a connection with
// buffered writes. Used where a protocol needs raw TCP beside libwebsockets (SIP over TCP is
// sofia-sip's; this is for our own small control sockets and tests).
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/SocketAddress.hpp"
#include "core/UvHandle.hpp"

namespace parley::core {

/// One accepted (or connected) TCP stream. Reads arrive in chunks of at most 64 KiB.
class TcpConnection {
 public:
  using OnData = std::function<void(std::span<const uint8_t>)>;
  using OnClose = std::function<void()>;

  explicit TcpConnection(uv_loop_t* loop);
  /// Starts reading. `onClose` fires once on EOF or error (not on our own close()).
  void start(OnData onData, OnClose onClose);
  /// Queues bytes (copied). Returns false if the connection is closed.
  bool write(std::span<const uint8_t> data);
  void close();
  SocketAddress peer() const;
  uv_tcp_t* handle() { return handle_.get(); }

 private:
  static void onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  UvHandle<uv_tcp_t> handle_;
  OnData onData_;
  OnClose onClose_;
  std::unique_ptr<char[]> readBuffer_;
  bool closed_ = false;
};

class TcpListener {
 public:
  using OnConnection = std::function<void(std::unique_ptr<TcpConnection>)>;
  /// Throws SystemError if the handle cannot be created.
  TcpListener(uv_loop_t* loop, OnConnection onConnection);
  /// Binds and listens (backlog 128). Throws SystemError (EADDRINUSE, EACCES …).
  void listen(const SocketAddress& local);
  SocketAddress localAddress() const;
  void close() { handle_.close(); }

 private:
  static void onConnect(uv_stream_t* server, int status);
  uv_loop_t* loop_;
  UvHandle<uv_tcp_t> handle_;
  OnConnection onConnection_;
};

}  // namespace parley::core
