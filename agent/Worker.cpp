#include "agent/Worker.hpp"

#include <uv.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "agent/OpsRoutes.hpp"
#include "agent/Readiness.hpp"
#include "agent/SessionRegistry.hpp"
#include "agent/Version.hpp"
#include "agent/WorkerContext.hpp"
#include "agent/admission/LoadSampler.hpp"
#include "agent/fleet/FleetServices.hpp"
#include "agent/http/HttpServer.hpp"
#include "agent/session/CallLanguageSetup.hpp"
#include "agent/session/ConversationSettings.hpp"
#include "core/Error.hpp"
#include "core/Log.hpp"
#include "core/LoopThread.hpp"
#include "core/ProcessStats.hpp"
#include "core/Signal.hpp"
#include "core/Timer.hpp"
#include "dialog/local/LocalProviders.hpp"
#include "dialog/net/CurlMulti.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "media/Pacer.hpp"
#include "tools/TenantLoader.hpp"

namespace parley::agent {

struct Worker::Impl {
  enum class State { Running, Draining, Stopping };

  WorkerSettings settings;
  core::Logger log{"worker"};
  uv_loop_t controlLoop{};
  std::vector<std::unique_ptr<MediaLoop>> mediaLoops;
  tools::TenantDirectory tenants;
  std::unique_ptr<WorkerContext> context;
  std::unique_ptr<dialog::local::LocalProviders> local;
  std::thread localStarter;  ///< loads the local engines without delaying HTTP readiness
  std::vector<std::unique_ptr<Subsystem>> subsystems;
  Router router;
  Readiness readiness;
  SessionRegistry sessions;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<FleetServices> fleet;  ///< records, API keys, admission, webhooks, Redis
  std::unique_ptr<core::LoopLagProbe> controlLag;
  std::unique_ptr<LoadSampler> loadSampler;  ///< feeds admission once a second
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
  /// After the control loop has stopped: the second half of the libwebsockets teardown (its
  /// handles closed during the last loop run, so the server object may go now), then closes
  /// whatever else is left and releases the loop.
  void releaseControlLoop();
  void startMediaLoops();
  void startLocalProviders();
  void stopMediaLoops();
};

void Worker::Impl::startMediaLoops() {
  for (unsigned i = 0; i < settings.threads; ++i) {
    auto loop = std::make_unique<MediaLoop>();
    loop->index = i;
    loop->thread = std::make_unique<core::LoopThread>("media-" + std::to_string(i));
    std::promise<void> done;
    MediaLoop* l = loop.get();
    loop->thread->post([l, &done] {
      uv_loop_t* uv = l->thread->loop();
      l->pacer =
          std::make_unique<media::Pacer>(uv, core::SystemClock::instance(), l->thread->name());
      l->ws = std::make_unique<dialog::WsClientContext>(uv);
      l->http = std::make_unique<dialog::CurlMulti>(uv);
      done.set_value();
    });
    done.get_future().wait();
    mediaLoops.push_back(std::move(loop));
  }
}

void Worker::Impl::startLocalProviders() {
  LocalRoles roles = localRolesFor(settings);
  if (!roles.any()) return;
  dialog::local::LocalProvidersConfig cfg;
  cfg.stt = roles.stt;
  cfg.llm = roles.llm;
  cfg.tts = roles.tts;
  cfg.tenants = tenants.all();
  local = std::make_unique<dialog::local::LocalProviders>(std::move(cfg));
  readiness.set("local_providers", false, "loading speech models");
  // Models load in the background: /healthz answers at once, /readyz when the engines listen.
  localStarter = std::thread([this] {
    try {
      local->start();
      context->setLocalProviders(local.get());
      readiness.set("local_providers", true);
      log.info("local engines ready (stt={} tts={} llm={})", local->urls().deepgramListen,
               local->urls().elevenLabsStream, local->urls().openAiBase);
    } catch (const dialog::local::ModelLoadCancelled&) {
      log.info("local engines: start abandoned, the worker is stopping");
    } catch (const std::exception& e) {
      readiness.set("local_providers", false, e.what());
      log.error("local engines failed to start: {}", e.what());
    }
  });
}

void Worker::Impl::stopMediaLoops() {
  for (auto& l : mediaLoops) {
    std::promise<void> done;
    MediaLoop* ml = l.get();
    // Per-loop services go first, on their own thread; libwebsockets needs loop turns to close.
    bool posted = ml->thread->post([ml, &done] {
      ml->pacer.reset();
      ml->http.reset();
      if (ml->ws) ml->ws->shutdown();
      auto* poll = new uv_timer_t;
      uv_timer_init(ml->thread->loop(), poll);
      struct Ctx {
        MediaLoop* ml;
        std::promise<void>* done;
        int turns = 0;
      };
      poll->data = new Ctx{ml, &done};
      uv_timer_start(
          poll,
          [](uv_timer_t* t) {
            auto* c = static_cast<Ctx*>(t->data);
            if ((c->ml->ws && !c->ml->ws->closed()) && ++c->turns < 200) return;  // ≤ 2 s
            c->ml->ws.reset();
            uv_timer_stop(t);
            c->done->set_value();
            delete c;
            uv_close(reinterpret_cast<uv_handle_t*>(t),
                     [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
          },
          1, 10);
    });
    if (posted) done.get_future().wait();
    ml->thread->stop();
  }
  mediaLoops.clear();
}

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
  if (context) context->stopAccepting();
  for (auto& s : subsystems) s->drain();
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

void Worker::Impl::releaseControlLoop() {
  http.reset();
  uv_walk(
      &controlLoop,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&controlLoop, UV_RUN_DEFAULT);
  uv_loop_close(&controlLoop);
}

void Worker::Impl::shutdown(const char* why) {
  state = State::Stopping;
  log.info("stopping ({})", why);
  drainTimer.reset();
  if (context) context->stopAccepting();
  for (auto it = subsystems.rbegin(); it != subsystems.rend(); ++it) (*it)->stop();
  subsystems.clear();
  // A stop while the speech models load abandons the load instead of waiting it out (seconds;
  // longer on a busy host).
  if (local) local->cancelStart();
  if (localStarter.joinable()) localStarter.join();
  if (context) context->setLocalProviders(nullptr);
  if (local) local->stop();
  if (http) http->close();
  loadSampler.reset();
  controlLag.reset();
  sigterm.reset();
  sigint.reset();
  stopMediaLoops();
  if (fleet) fleet->stop();  // after the media loops: every ended call has posted its record
}

Worker::Worker(WorkerSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

Worker::~Worker() = default;

int Worker::run() {
  Impl& w = *impl_;
  auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(w.settings.dataDir, ec);
  if (ec || !std::filesystem::is_directory(w.settings.dataDir))
    throw core::SystemError(
        "data_dir " + w.settings.dataDir.string() + " cannot be created: " + ec.message(),
        ec.value());

  auto& metrics = core::MetricsRegistry::global();
  core::registerProcessMetrics();
  metrics.gauge("parley_build_info", "Parley build information", {{"version", kVersion}}).set(1);
  metrics.gauge("parley_workers_threads", "Media event-loop threads")
      .set(static_cast<double>(w.settings.threads));

  int rc = uv_loop_init(&w.controlLoop);
  if (rc != 0) throw core::SystemError(std::string("uv_loop_init: ") + uv_strerror(rc), rc);

  // Tenants first: a broken tenant file is a config error (exit 2) before anything starts.
  w.tenants = tools::TenantDirectory::loadDir(w.settings.tenantsDir);
  const bool localTts = localRolesFor(w.settings).tts;
  for (const auto& t : w.tenants.all()) {
    tenantConversationConfig(w.settings.conversation, *t);  // same rules as our own block
    if (localTts) checkLocalVoices(*t);  // e.g. an espeak-ng voice that is not installed
  }
  metrics.gauge("parley_tenants", "Tenants loaded")
      .set(static_cast<double>(w.tenants.all().size()));

  w.fleet = std::make_unique<FleetServices>(w.settings, w.router, w.sessions, w.tenants, metrics);
  w.startMediaLoops();
  w.readiness.set("media_loops", true);
  w.context = std::make_unique<WorkerContext>(w.settings, w.router, w.readiness, w.sessions,
                                              w.tenants, w.mediaLoops, &w.controlLoop);
  w.context->setApi(&w.fleet->api());
  w.context->setAvailabilityCache(w.fleet->availabilityCache());
  w.startLocalProviders();

  addOpsRoutes(w.router, w.readiness, metrics, [&w] { w.context->admission().refreshReadiness(); });
  w.controlLag = std::make_unique<core::LoopLagProbe>(
      &w.controlLoop,
      metrics.histogram(
          "parley_loop_lag_seconds", "How late the event loop ran a periodic timer (seconds)",
          {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1}, {{"loop", "control"}}));
  w.loadSampler = std::make_unique<LoadSampler>(&w.controlLoop, w.context->admission(), [&w] {
    // The lag histograms the loops' LoopLagProbes fill (same name and labels → same series).
    auto& m = core::MetricsRegistry::global();
    auto lag = [&m](const std::string& loop) -> const core::Histogram* {
      return &m.histogram("parley_loop_lag_seconds",
                          "How late the event loop ran a periodic timer (seconds)", {},
                          {{"loop", loop}});
    };
    std::vector<const core::Histogram*> hs{lag("control")};
    for (auto& l : w.mediaLoops) hs.push_back(lag(l->thread->name()));
    return hs;
  });
  try {
    w.http = std::make_unique<HttpServer>(
        &w.controlLoop,
        HttpServerOptions{w.settings.httpListen, w.settings.httpMaxBodyBytes,
                          w.settings.httpMaxHeaderBytes},
        w.router);
    w.subsystems = makeSubsystems(*w.context);
  } catch (...) {
    // A subsystem refused its configuration (e.g. a trunk's password_env unset): stop what runs
    // the way a normal stop does — destroying the HTTP server before its libwebsockets handles
    // have closed in a loop run made the next uv_run call freed memory (SIGSEGV) — then let
    // the caller report the error (exit 2).
    w.shutdown("startup failed");
    uv_run(&w.controlLoop, UV_RUN_DEFAULT);
    w.releaseControlLoop();
    throw;
  }
  w.readiness.set("http", true);
  {
    core::SocketAddress bound = w.http->boundAddress();
    std::string ip = bound.toString().substr(0, bound.toString().rfind(':'));
    if (ip == "0.0.0.0" || ip == "[::]") ip = "127.0.0.1";
    w.fleet->startFleet("http://" + ip + ":" + std::to_string(bound.port()), *w.context);
  }
  w.sigterm =
      std::make_unique<core::Signal>(&w.controlLoop, SIGTERM, [&w](int s) { w.onSignal(s); });
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
  w.releaseControlLoop();
  w.log.info("stopped");
  return w.exitCode;
}

}  // namespace parley::agent
