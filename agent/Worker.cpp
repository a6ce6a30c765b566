#include "agent/Worker.hpp"

#include <uv.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <vector>

#include "agent/OpsRoutes.hpp"
#include "agent/Readiness.hpp"
#include "agent/SessionRegistry.hpp"
#include "agent/Version.hpp"
#include "agent/http/HttpServer.hpp"
#include "core/Error.hpp"
#include "core/Log.hpp"
#include "core/LoopThread.hpp"
#include "core/ProcessStats.hpp"
#include "core/Signal.hpp"
#include "core/Timer.hpp"

namespace parley::agent {

struct Worker::Impl {
  enum class State { Running, Draining, Stopping };

  WorkerSettings settings;
  core::Logger log{"worker"};
  uv_loop_t controlLoop{};
  std::vector<std::unique_ptr<core::LoopThread>> mediaLoops;
  Router router;
  Readiness readiness;
  SessionRegistry sessions;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<core::LoopLagProbe> controlLag;
  std::unique_ptr<core::Signal> sigterm, sigint;
  std::unique_ptr<core::Timer> drainTimer;
  State state = State::Running;
  std::chrono::steady_clock::time_point drainStarted;
  int exitCode = 0;

  explicit Impl(WorkerSettings s) : settings(std::move(s)) {}

  void onSignal(int signum);
  void beginDrain();
  void checkDrain();
  void shutdown(const char* why);
};

void Worker::Impl::onSignal(int signum) {
  if (state == State::Running && signum == SIGTERM) {
    beginDrain();
    return;
  }
  if (state != State::Stopping) {
    if (sessions.active() > 0) exitCode = 1;  // calls were cut short
    shutdown(signum == SIGINT ? "SIGINT" : "second SIGTERM");
  }
}

void Worker::Impl::beginDrain() {
  state = State::Draining;
  readiness.setDraining();
  drainStarted = std::chrono::steady_clock::now();
  log.info("draining: refusing new calls, waiting for {} active sessions (up to {} s)",
           sessions.active(), settings.drainTimeoutS);
  drainTimer = std::make_unique<core::Timer>(&controlLoop, [this] { checkDrain(); });
  drainTimer->start(0, 50);
}

void Worker::Impl::checkDrain() {
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - drainStarted).count();
  if (elapsed < settings.drainGraceS) return;  // let load balancers see /readyz 503 first
  if (sessions.active() == 0) {
    shutdown("drained");
  } else if (elapsed >= settings.drainTimeoutS) {
    log.warn("drain timeout: {} sessions still active", sessions.active());
    shutdown("drain timeout");
  }
}

void Worker::Impl::shutdown(const char* why) {
  state = State::Stopping;
  log.info("stopping ({})", why);
  drainTimer.reset();
  if (http) http->close();
  controlLag.reset();
  sigterm.reset();
  sigint.reset();
  for (auto& l : mediaLoops) l->stop();
  mediaLoops.clear();
}

Worker::Worker(WorkerSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

Worker::~Worker() = default;

int Worker::run() {
  Impl& w = *impl_;
  auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(w.settings.dataDir, ec);
  if (ec || !std::filesystem::is_directory(w.settings.dataDir))
    throw core::SystemError("data_dir " + w.settings.dataDir.string() +
                                " cannot be created: " + ec.message(),
                            ec.value());

  auto& metrics = core::MetricsRegistry::global();
  core::registerProcessMetrics();
  metrics.gauge("parley_build_info", "Parley build information", {{"version", kVersion}}).set(1);
  metrics.gauge("parley_workers_threads", "Media event-loop threads")
      .set(static_cast<double>(w.settings.threads));

  int rc = uv_loop_init(&w.controlLoop);
  if (rc != 0) throw core::SystemError(std::string("uv_loop_init: ") + uv_strerror(rc), rc);

  for (unsigned i = 0; i < w.settings.threads; ++i)
    w.mediaLoops.push_back(std::make_unique<core::LoopThread>("media-" + std::to_string(i)));
  w.readiness.set("media_loops", true);

  addOpsRoutes(w.router, w.readiness, metrics);
  w.controlLag = std::make_unique<core::LoopLagProbe>(
      &w.controlLoop,
      metrics.histogram("parley_loop_lag_seconds",
                        "How late the event loop ran a periodic timer (seconds)",
                        {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1},
                        {{"loop", "control"}}));
  try {
    w.http = std::make_unique<HttpServer>(
        &w.controlLoop,
        HttpServerOptions{w.settings.httpListen, w.settings.httpMaxBodyBytes,
                          w.settings.httpMaxHeaderBytes},
        w.router);
  } catch (...) {
    w.controlLag.reset();
    for (auto& l : w.mediaLoops) l->stop();
    uv_run(&w.controlLoop, UV_RUN_NOWAIT);
    uv_loop_close(&w.controlLoop);
    throw;
  }
  w.readiness.set("http", true);
  w.sigterm = std::make_unique<core::Signal>(&w.controlLoop, SIGTERM, [&w](int s) { w.onSignal(s); });
  w.sigint = std::make_unique<core::Signal>(&w.controlLoop, SIGINT, [&w](int s) { w.onSignal(s); });

  auto startupMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count();
  w.log.event(core::LogLevel::Info, "ready",
              {{"listen", w.http->boundAddress().toString()},
               {"threads", std::to_string(w.settings.threads)},
               {"startup_ms", std::to_string(startupMs)},
               {"version", kVersion}});

  uv_run(&w.controlLoop, UV_RUN_DEFAULT);
  // Close anything that is left (libwebsockets' own handles), then release the loop.
  w.http.reset();  // second half of the libwebsockets teardown, now that its handles closed
  uv_walk(
      &w.controlLoop, [](uv_handle_t* h, void*) { if (!uv_is_closing(h)) uv_close(h, nullptr); },
      nullptr);
  uv_run(&w.controlLoop, UV_RUN_DEFAULT);
  uv_loop_close(&w.controlLoop);
  w.log.info("stopped");
  return w.exitCode;
}

}  // namespace parley::agent
