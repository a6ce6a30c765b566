#include "core/LoopThread.hpp"

#include <pthread.h>

#include "core/Error.hpp"

namespace parley::core {

LoopLagProbe::LoopLagProbe(uv_loop_t* loop, Histogram& histogram)
    : timer_(loop, [this] { onTick(); }), histogram_(histogram) {
  expectedNs_ = uv_hrtime() + kIntervalMs * 1'000'000;
  timer_.start(kIntervalMs, kIntervalMs);
  timer_.unref();
}

void LoopLagProbe::onTick() {
  uint64_t now = uv_hrtime();
  double lagNs = now > expectedNs_ ? static_cast<double>(now - expectedNs_) : 0.0;
  histogram_.observe(lagNs / 1e9);
  lastLagMs_.store(lagNs / 1e6, std::memory_order_relaxed);
  expectedNs_ = now + kIntervalMs * 1'000'000;
}

LoopThread::LoopThread(std::string name, MetricsRegistry& metrics)
    : name_(std::move(name)), metrics_(metrics) {
  int rc = uv_loop_init(&loop_);
  if (rc != 0) throw SystemError(std::string("uv_loop_init: ") + uv_strerror(rc), rc);
  std::atomic<bool> ready{false};
  thread_ = std::thread([this, &ready] { run(ready); });
  while (!ready.load()) std::this_thread::yield();
}

LoopThread::~LoopThread() { stop(); }

void LoopThread::run(std::atomic<bool>& ready) {
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  tasks_ = std::make_unique<AsyncQueue<Task>>(&loop_, [](Task& t) { t(); });
  probe_ = std::make_unique<LoopLagProbe>(
      &loop_, metrics_.histogram("parley_loop_lag_seconds",
                                 "How late the event loop ran a periodic timer (seconds)",
                                 {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1},
                                 {{"loop", name_}}));
  running_ = true;
  ready = true;
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Let every closed handle finish its close callback, then release the loop.
  uv_run(&loop_, UV_RUN_NOWAIT);
  running_ = false;
}

bool LoopThread::post(Task task) {
  if (stopping_.load()) return false;
  return tasks_->post(std::move(task));
}

void LoopThread::stop() {
  if (stopping_.exchange(true)) {
    if (thread_.joinable() && !isLoopThread()) thread_.join();
    return;
  }
  tasks_->post([this] {
    probe_.reset();
    tasks_->close();
    // Anything else still open on this loop belongs to owners that outlive the loop by mistake;
    // close it so uv_run returns instead of hanging the shutdown.
    uv_walk(
        &loop_, [](uv_handle_t* h, void*) { if (!uv_is_closing(h)) uv_close(h, nullptr); },
        nullptr);
  });
  if (thread_.joinable() && !isLoopThread()) thread_.join();
  uv_loop_close(&loop_);
}

}  // namespace parley::core
