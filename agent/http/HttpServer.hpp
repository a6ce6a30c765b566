#pragma once
// The worker's HTTP server: libwebsockets on a libuv loop (the control loop), dispatching to a
// Router. Bounds every request: headers beyond `maxHeaderBytes` are refused by libwebsockets
// (431 or connection close), bodies beyond `maxBodyBytes` get 413 before they are read.
//
// Streamed responses (HttpResponse::stream, used for Server-Sent Events): the headers go out
// without a Content-Length, the producer gets a thread-safe HttpStreamWriter; its bytes are
// queued under a per-stream mutex, the loop is woken with lws_cancel_service(), and the bytes
// are written from LWS_CALLBACK_HTTP_WRITEABLE on the loop thread. Keep-alive bytes are queued
// by a per-connection lws timer. The stream ends (connection closed) on end(), when the client
// goes away, or in close().
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>

#include "agent/http/Router.hpp"
#include "core/Metrics.hpp"
#include "core/SocketAddress.hpp"

namespace parley::agent {

struct HttpServerOptions {
  core::SocketAddress listen;        ///< port 0 = any free port (see boundAddress())
  size_t maxBodyBytes = 64 * 1024;   ///< larger bodies → 413; SDP offers are < 16 KiB
  size_t maxHeaderBytes = 8 * 1024;  ///< libwebsockets header buffer per connection
};

class HttpServer {
 public:
  /// Creates the libwebsockets context on `loop` (which must outlive the server) and starts
  /// listening. Throws core::SystemError if the address cannot be bound.
  HttpServer(uv_loop_t* loop, const HttpServerOptions& options, const Router& router);
  /// Stops listening and closes every connection. libwebsockets on a foreign libuv loop closes
  /// its handles asynchronously: run the loop afterwards, then destroy the server.
  void close();
  /// Completes the teardown (calls close() first if needed). Loop thread only.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The address actually bound (the real port when options.listen had port 0).
  core::SocketAddress boundAddress() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::agent
