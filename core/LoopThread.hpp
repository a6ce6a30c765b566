#pragma once
// One event-loop thread: a libuv loop, the thread that runs it, a task queue for hand-off from
// other threads, and a loop-lag probe. Sessions are pinned to one LoopThread for life
// (DESIGN.md §2: shared-nothing, no locks on the hot path).
#include <uv.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/AsyncQueue.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"

namespace parley::core {

/// Measures how late a loop runs a 50 ms repeating timer (the loop lag: how long callbacks
/// blocked the loop) and records it in seconds in `histogram`. Runs on the loop's thread.
class LoopLagProbe {
 public:
  static constexpr uint64_t kIntervalMs = 50;
  LoopLagProbe(uv_loop_t* loop, Histogram& histogram);
  /// The last measured lag in ms.
  double lastLagMs() const { return lastLagMs_.load(std::memory_order_relaxed); }

 private:
  void onTick();
  Timer timer_;
  Histogram& histogram_;
  uint64_t expectedNs_ = 0;
  std::atomic<double> lastLagMs_{0.0};
};

class LoopThread {
 public:
  using Task = std::function<void()>;
  /// `name` labels the lag metric (`parley_loop_lag_seconds{loop="media-0"}`) and the thread.
  /// Starts the thread; throws SystemError if the loop cannot be created.
  explicit LoopThread(std::string name, MetricsRegistry& metrics = MetricsRegistry::global());
  /// Stops and joins (see stop()).
  ~LoopThread();
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  /// Thread-safe: runs `task` on the loop thread. Returns false once stopping.
  bool post(Task task);
  /// Thread-safe: asks the loop to close its own handles and exit, then joins. Tasks already
  /// queued run first. Idempotent.
  void stop();
  uv_loop_t* loop() { return &loop_; }
  const std::string& name() const { return name_; }
  bool running() const { return running_.load(); }
  bool isLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  const LoopLagProbe* lagProbe() const { return probe_.get(); }

 private:
  void run(std::atomic<bool>& ready);

  std::string name_;
  MetricsRegistry& metrics_;
  uv_loop_t loop_{};
  std::unique_ptr<AsyncQueue<Task>> tasks_;
  std::unique_ptr<LoopLagProbe> probe_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace parley::core
