#include "core/Signal.hpp"

#include "core/Error.hpp"

namespace parley::core {

Signal::Signal(uv_loop_t* loop, int signum, std::function<void(int)> cb) : onSignal_(std::move(cb)) {
  int rc = uv_signal_init(loop, handle_.get());
  if (rc != 0) throw SystemError(std::string("uv_signal_init: ") + uv_strerror(rc), rc);
  handle_.markInitialized();
  handle_.get()->data = this;
  rc = uv_signal_start(handle_.get(), &Signal::onSignal, signum);
  if (rc != 0) throw SystemError(std::string("uv_signal_start: ") + uv_strerror(rc), rc);
}

void Signal::unref() { uv_unref(handle_.raw()); }

void Signal::onSignal(uv_signal_t* s, int signum) {
  if (auto* self = static_cast<Signal*>(s->data)) self->onSignal_(signum);
}

}  // namespace parley::core
