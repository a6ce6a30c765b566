#include <doctest/doctest.h>
#include <uv.h>

#include "media/AudioFrame.hpp"
#include "media/Pacer.hpp"

using namespace parley;
using namespace parley::media;

namespace {
struct CountingSender : PacedSender {
  int ticks = 0;
  int64_t lastDeadline = 0;
  bool monotonic = true;
  int stopAfter = 0;
  uv_loop_t* loop = nullptr;
  Pacer* pacer = nullptr;
  void onPacerTick(int64_t deadlineNs) override {
    if (lastDeadline && deadlineNs - lastDeadline != kFrameNs) monotonic = false;
    lastDeadline = deadlineNs;
    if (++ticks == stopAfter) {
      pacer->remove(this);  // removal from inside a tick must be safe
      uv_stop(loop);
    }
  }
};
}  // namespace

TEST_CASE("pacer ticks every sender once per 20 ms deadline and records send jitter") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  core::MetricsRegistry metrics;
  {
    Pacer pacer(&loop, core::SystemClock::instance(), "test", metrics);
    CountingSender a, b;
    a.stopAfter = 10;
    a.loop = &loop;
    a.pacer = &pacer;
    pacer.add(&a);
    pacer.add(&b);
    pacer.add(&b);  // idempotent
    CHECK(pacer.size() == 2);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(a.ticks == 10);
    CHECK(b.ticks >= 10);
    CHECK(a.monotonic);
    CHECK(pacer.size() == 1);
    CHECK(pacer.jitter().count() >= 10);
    pacer.remove(&b);
    CHECK(pacer.size() == 0);
    CHECK(metrics.renderPrometheus().find("parley_pacer_send_jitter_seconds") != std::string::npos);
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // let the timer handle close
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("pacer catches up a stalled loop with at most kMaxCatchUpTicks frames") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  core::MetricsRegistry metrics;
  core::ManualClock clock;
  {
    Pacer pacer(&loop, clock, "test", metrics);
    CountingSender s;
    s.stopAfter = 1000;
    s.loop = &loop;
    s.pacer = &pacer;
    pacer.add(&s);
    // The manual clock says 1 s passed before the first timer fires: a stalled loop.
    clock.advance(std::chrono::seconds(1));
    uv_run(&loop, UV_RUN_ONCE);
    CHECK(s.ticks == Pacer::kMaxCatchUpTicks);
    CHECK(pacer.skippedTicks() > 40);
    pacer.remove(&s);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

namespace {
/// Takes 25 ms of wall time per tick for its first `slowTicks` ticks: more than a frame, so
/// the pacer stays overdue the whole time.
struct SlowSender : PacedSender {
  int ticks = 0;
  int slowTicks = 12;
  uv_loop_t* loop = nullptr;
  Pacer* pacer = nullptr;
  int checksWhileSlow = 0;
  void onPacerTick(int64_t) override {
    if (++ticks <= slowTicks) {
      int64_t until = core::SystemClock::instance().monoNs() + 25'000'000;
      while (core::SystemClock::instance().monoNs() < until) {
      }
    } else if (ticks == slowTicks + 5) {
      pacer->remove(this);
      uv_stop(loop);
    }
  }
};
}  // namespace

TEST_CASE("an overloaded pacer still lets the loop poll sockets between its ticks") {
  // libuv (1.44) runs a timer re-armed with a 0 ms timeout again in the same timer phase, so a
  // pacer that is always overdue would never let the loop read its sockets (every RTP queue
  // fills up and calls end by media timeout). A uv_check handle runs once per loop iteration,
  // after the poll for I/O: it must keep running while the pacer is overloaded.
  uv_loop_t loop;
  uv_loop_init(&loop);
  core::MetricsRegistry metrics;
  {
    Pacer pacer(&loop, core::SystemClock::instance(), "test", metrics);
    SlowSender s;
    s.loop = &loop;
    s.pacer = &pacer;
    uv_check_t check;
    uv_check_init(&loop, &check);
    check.data = &s;
    uv_check_start(&check, [](uv_check_t* h) {
      auto* sender = static_cast<SlowSender*>(h->data);
      if (sender->ticks > 0 && sender->ticks < sender->slowTicks) ++sender->checksWhileSlow;
    });
    pacer.add(&s);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(s.checksWhileSlow >= s.slowTicks / Pacer::kMaxCatchUpTicks);
    uv_close(reinterpret_cast<uv_handle_t*>(&check), nullptr);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
