#pragma once
// RAII ownership of a libuv handle. libuv frees nothing itself and a handle may only be released
// after its close callback ran, so the handle memory lives on the heap and is deleted from that
// callback; the owning C++ object can go away at once. Loop-thread only.
#include <uv.h>

#include <utility>

namespace parley::core {

template <typename H>
class UvHandle {
 public:
  UvHandle() : handle_(new H{}) {}
  ~UvHandle() { close(); }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  UvHandle(UvHandle&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)), live_(o.live_) {}

  H* get() const noexcept { return handle_; }
  uv_handle_t* raw() const noexcept { return reinterpret_cast<uv_handle_t*>(handle_); }
  /// Call after a successful uv_*_init so close() goes through uv_close.
  void markInitialized() noexcept { live_ = true; }

  /// Closes the handle (idempotent). Its data pointer is cleared first so no callback reaches a
  /// destroyed owner while the close is pending.
  void close() noexcept {
    if (!handle_) return;
    if (live_) {
      handle_->data = nullptr;
      if (!uv_is_closing(raw()))
        uv_close(raw(), [](uv_handle_t* h) { delete reinterpret_cast<H*>(h); });
    } else {
      delete handle_;
    }
    handle_ = nullptr;
    live_ = false;
  }

 private:
  H* handle_;
  bool live_ = false;
};

}  // namespace parley::core
