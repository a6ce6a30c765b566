#include "core/Timer.hpp"

#include "core/Error.hpp"

namespace parley::core {

Timer::Timer(uv_loop_t* loop, std::function<void()> onFire) : onFire_(std::move(onFire)) {
  int rc = uv_timer_init(loop, handle_.get());
  if (rc != 0) throw SystemError(std::string("uv_timer_init: ") + uv_strerror(rc), rc);
  handle_.markInitialized();
  handle_.get()->data = this;
}

void Timer::start(uint64_t timeoutMs, uint64_t repeatMs) {
  // libuv counts a timeout from the loop's cached "now", taken when the current iteration
  // began; a callback that ran long first (a decoder loading, a loop not yet running) would
  // shorten the timeout by that much — a 60 s connect deadline fired after 31 s.
  uv_update_time(handle_.get()->loop);
  uv_timer_start(handle_.get(), &Timer::onTimer, timeoutMs, repeatMs);
}

void Timer::stop() {
  uv_timer_stop(handle_.get());
}

void Timer::unref() {
  uv_unref(handle_.raw());
}

void Timer::onTimer(uv_timer_t* t) {
  if (auto* self = static_cast<Timer*>(t->data)) self->onFire_();
}

}  // namespace parley::core
