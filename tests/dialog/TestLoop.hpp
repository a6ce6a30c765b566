#pragma once
// The client side of a dialog test: a libuv loop run on the test thread, step by step, until a
// condition holds. Peers (test servers) run on their own LoopThread. No sleeps decide outcomes:
// the deadline only bounds a hung test.
#include <uv.h>

#include <chrono>
#include <functional>

namespace parley::dialog::test {

class TestLoop {
 public:
  TestLoop() { uv_loop_init(&loop_); }
  ~TestLoop() {
    // Everything owned by the test is gone; let the closes finish, then release the loop.
    for (int i = 0; i < 1000 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; ++i) {
    }
    uv_loop_close(&loop_);
  }
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;
  uv_loop_t* get() { return &loop_; }

  /// Runs the loop until `done()` or `timeoutMs` passed. Returns done().
  bool runUntil(const std::function<bool()>& done, int timeoutMs = 10'000) {
    uv_timer_t tick;
    uv_timer_init(&loop_, &tick);
    uv_timer_start(
        &tick, [](uv_timer_t*) {}, 2, 2);  // wakes UV_RUN_ONCE regularly
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!done() && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
    return done();
  }
  /// Runs the loop for `ms` (to check that nothing more happens).
  void runFor(int ms) {
    runUntil([] { return false; }, ms);
  }

 private:
  uv_loop_t loop_{};
};

}  // namespace parley::dialog::test
