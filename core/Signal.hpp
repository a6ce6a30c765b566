#pragma once
// A POSIX signal delivered on a libuv loop (uv_signal_t), so handlers run as ordinary loop
// callbacks rather than in async-signal context.
#include <uv.h>

#include <functional>

#include "core/UvHandle.hpp"

namespace parley::core {

class Signal {
 public:
  /// Starts watching `signum` (SIGTERM, SIGINT, …). Throws SystemError on failure.
  Signal(uv_loop_t* loop, int signum, std::function<void(int)> onSignal);
  void unref();

 private:
  static void onSignal(uv_signal_t* s, int signum);
  UvHandle<uv_signal_t> handle_;
  std::function<void(int)> onSignal_;
};

}  // namespace parley::core
