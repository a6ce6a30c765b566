#pragma once
// The libwebsockets client context of one loop thread: lws running on that thread's libuv loop
// as a "foreign" loop (LWS_SERVER_OPTION_LIBUV + foreign_loops; PLATFORM-NOTES.md), so STT and
// TTS websockets share the session's thread and never block it (DESIGN.md §2). Build one per
// loop thread and share it between every session on that loop. Loop-thread only.
//
// Teardown is asynchronous, as libuv requires: call shutdown(), keep running the loop until
// closed() is true, then destroy this object. (With a foreign loop lws needs lws_context_destroy
// twice: once to close its uv handles, once after they closed; shutdown() arranges both.)
#include <uv.h>

#include "core/Timer.hpp"

struct lws_context;

namespace parley::dialog {

class WsClientContext {
 public:
  /// Throws core::SystemError if lws cannot create the context (e.g. the libuv event-lib plugin
  /// `libwebsockets-evlib_uv.so` is missing).
  explicit WsClientContext(uv_loop_t* loop);
  /// Calls shutdown() if needed. If the loop has not yet run the close to completion, the few
  /// bytes lws writes into at the end are deliberately leaked rather than freed under it.
  ~WsClientContext();
  WsClientContext(const WsClientContext&) = delete;
  WsClientContext& operator=(const WsClientContext&) = delete;

  /// Closes every connection (their listeners hear onWsClosed) and starts releasing lws.
  void shutdown();
  /// True once lws has finished destroying the context (after shutdown() and some loop turns).
  bool closed() const { return *slot_ == nullptr; }
  /// True between construction and shutdown().
  bool usable() const { return !shuttingDown_; }

  uv_loop_t* loop() const { return loop_; }
  lws_context* context() const { return *slot_; }

 private:
  uv_loop_t* loop_;
  lws_context** slot_;  ///< heap cell lws nulls when destruction completes (info.pcontext)
  core::Timer reaper_;  ///< finishes the destruction once lws's uv handles have closed
  int reaperTicks_ = 0;
  bool shuttingDown_ = false;
};

}  // namespace parley::dialog
