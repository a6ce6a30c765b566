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
  uv_timer_start(handle_.get(), &Timer::onTimer, timeoutMs, repeatMs);
}

void Timer::stop() { uv_timer_stop(handle_.get()); }

void Timer::unref() { uv_unref(handle_.raw()); }

void Timer::onTimer(uv_timer_t* t) {
  if (auto* self = static_cast<Timer*>(t->data)) self->onFire_();
}

}  // namespace parley::core
