#pragma once
// Cross-thread hand-off into a loop thread: any thread post()s, the loop thread drains the queue
// from a uv_async_t callback (libuv coalesces wake-ups, so the batch is drained as a whole).
// This is the only way control-side threads (HTTP, SIP, Redis) reach a session (DESIGN.md §2).
#include <uv.h>

#include <functional>
#include <mutex>
#include <vector>

#include "core/Error.hpp"
#include "core/UvHandle.hpp"

namespace parley::core {

template <typename T>
class AsyncQueue {
 public:
  /// Must be constructed on the loop's thread. `onItem` runs on that thread for every item in
  /// post order. Throws SystemError if uv_async_init fails.
  AsyncQueue(uv_loop_t* loop, std::function<void(T&)> onItem) : onItem_(std::move(onItem)) {
    int rc = uv_async_init(loop, handle_.get(), &AsyncQueue::onAsync);
    if (rc != 0) throw SystemError(std::string("uv_async_init: ") + uv_strerror(rc), rc);
    handle_.markInitialized();
    handle_.get()->data = this;
  }

  /// Thread-safe. Returns false once close() has been called (the item is not queued).
  bool post(T item) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      items_.push_back(std::move(item));
    }
    uv_async_send(handle_.get());
    return true;
  }

  /// Loop thread: stop accepting items and release the handle. Queued items are dropped.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      items_.clear();
    }
    handle_.close();
  }

  /// Loop thread: keep the loop from staying alive only for this queue.
  void unref() { uv_unref(handle_.raw()); }

  /// Loop thread: runs every queued item now (used when draining before shutdown).
  void drain() {
    std::vector<T> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(items_);
    }
    for (auto& item : batch) onItem_(item);
  }

 private:
  static void onAsync(uv_async_t* a) {
    if (auto* self = static_cast<AsyncQueue*>(a->data)) self->drain();
  }

  UvHandle<uv_async_t> handle_;
  std::function<void(T&)> onItem_;
  std::mutex mutex_;
  std::vector<T> items_;
  bool closed_ = false;
};

}  // namespace parley::core
