#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/LoopThread.hpp"
#include "core/Timer.hpp"

using namespace parley::core;

TEST_CASE("tasks posted from another thread run on the loop thread in order") {
  MetricsRegistry metrics;
  LoopThread loop("test-0", metrics);
  std::atomic<int> seen{0};
  std::atomic<bool> onLoop{true};
  for (int i = 0; i < 100; ++i)
    loop.post([&, i] {
      if (seen.load() != i) onLoop = false;
      if (!loop.isLoopThread()) onLoop = false;
      seen.fetch_add(1);
    });
  for (int i = 0; i < 500 && seen.load() < 100; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(seen.load() == 100);
  CHECK(onLoop.load());
  loop.stop();
  CHECK_FALSE(loop.post([] {}));
}

TEST_CASE("a timer fires on the loop and stop() joins cleanly") {
  MetricsRegistry metrics;
  LoopThread loop("test-1", metrics);
  std::atomic<int> fired{0};
  std::unique_ptr<Timer> timer;
  loop.post([&] {
    timer = std::make_unique<Timer>(loop.loop(), [&] { fired.fetch_add(1); });
    timer->start(1, 1);
  });
  for (int i = 0; i < 500 && fired.load() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(fired.load() >= 3);
  loop.post([&] { timer.reset(); });
  loop.stop();
}

TEST_CASE("loop lag is recorded in the histogram") {
  MetricsRegistry metrics;
  LoopThread loop("test-2", metrics);
  loop.post([] { std::this_thread::sleep_for(std::chrono::milliseconds(120)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  loop.stop();
  std::string text = metrics.renderPrometheus();
  CHECK(text.find("parley_loop_lag_seconds_count{loop=\"test-2\"}") != std::string::npos);
  auto& h = metrics.histogram("parley_loop_lag_seconds", "", {}, {{"loop", "test-2"}});
  CHECK(h.count() >= 1);
  // The blocked tick ran at least ~70 ms late (a 120 ms block minus up to one 50 ms interval).
  CHECK(h.sum() >= 0.05);
}

TEST_CASE("a timer counts its timeout from start(), not from the loop's last wake-up") {
  // The loop's cached time goes stale while nothing runs it (as in a long callback); a 200 ms
  // timer started then must still wait 200 ms. Only a lower bound: load can delay, not hasten.
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    bool fired = false;
    Timer t(&loop, [&] { fired = true; });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto started = std::chrono::steady_clock::now();
    t.start(200);
    while (!fired) uv_run(&loop, UV_RUN_ONCE);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(195));
  }
  uv_run(&loop, UV_RUN_NOWAIT);  // the timer's close
  CHECK(uv_loop_close(&loop) == 0);
}
