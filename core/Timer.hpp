#pragma once
// A libuv timer owned by one loop thread. Times are in milliseconds (libuv's resolution).
#include <uv.h>

#include <cstdint>
#include <functional>

#include "core/UvHandle.hpp"

namespace parley::core {

class Timer {
 public:
  /// Throws SystemError if uv_timer_init fails.
  Timer(uv_loop_t* loop, std::function<void()> onFire);
  /// Fires once after `timeoutMs` from now (not from when the loop iteration began), then
  /// every `repeatMs` (0 = once). Restarting replaces.
  void start(uint64_t timeoutMs, uint64_t repeatMs = 0);
  void stop();
  /// Keeps the loop from exiting on account of this timer (uv_unref) — for housekeeping timers.
  void unref();

 private:
  static void onTimer(uv_timer_t* t);
  UvHandle<uv_timer_t> handle_;
  std::function<void()> onFire_;
};

}  // namespace parley::core
