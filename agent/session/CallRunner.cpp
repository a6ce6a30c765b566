#include "agent/session/CallRunner.hpp"

#include <chrono>

#include "agent/session/ScriptedCallerLeg.hpp"
#include "agent/session/Session.hpp"

namespace parley::agent {
namespace {

/// Longest real-time slice before the clock is advanced and the conversation re-polled: one
/// frame, so decisions keep their 20 ms granularity.
constexpr uint64_t kWaitSliceMs = 20;
/// Media time runs at most this many times faster than the wall clock: the STT must decode every
/// caller frame, silence included, and a local decoder on a busy machine manages about 10×; if it
/// falls behind, its finals for the caller's words come late and endpointing has to wait.
constexpr int64_t kMaxVirtualSpeed = 6;

/// Runs the loop until a `ms` timer fired (other events may run meanwhile). Returns the real
/// time that passed.
std::chrono::nanoseconds runSlice(uv_loop_t* loop, uint64_t ms) {
  auto t0 = std::chrono::steady_clock::now();
  uv_timer_t timer;
  bool fired = false;
  uv_timer_init(loop, &timer);
  timer.data = &fired;
  uv_timer_start(
      &timer, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, ms, 0);
  while (!fired) uv_run(loop, UV_RUN_ONCE);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);  // completes the close
  return std::chrono::steady_clock::now() - t0;
}

}  // namespace

void runLoopFor(uv_loop_t* loop, int ms) {
  runSlice(loop, static_cast<uint64_t>(ms));
}

void runCallVirtual(uv_loop_t* loop, core::ManualClock& clock, Session& session,
                    ScriptedCallerLeg& leg, int64_t maxMediaMs) {
  // Let the providers connect before the first frame (a real call spends this ringing).
  runSlice(loop, 50);
  leg.start();
  const auto wallStart = std::chrono::steady_clock::now();
  int64_t steppedMs = 0;
  while (!session.ended()) {
    if (leg.mediaTimeMs() >= maxMediaMs) {
      session.hangup();
      break;
    }
    const bool waiting = session.waitingOnProviders();
    const bool callerFloor = session.state() == dialog::TurnState::UserSpeaking;
    if (waiting) {
      clock.advance(runSlice(loop, kWaitSliceMs));
      session.poll();
      continue;
    }
    leg.step();
    steppedMs += 20;
    clock.advance(std::chrono::milliseconds(20));
    const auto wallMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - wallStart)
                            .count();
    if (callerFloor)
      runSlice(loop, kWaitSliceMs);
    else if (steppedMs > wallMs * kMaxVirtualSpeed)
      runSlice(loop, 1);
    else
      uv_run(loop, UV_RUN_NOWAIT);
  }
  runSlice(loop, 20);  // the session releases itself on a later iteration
}

void runCallRealtime(uv_loop_t* loop, Session& session) {
  while (!session.ended()) runSlice(loop, 100);
  runSlice(loop, 20);
}

}  // namespace parley::agent
