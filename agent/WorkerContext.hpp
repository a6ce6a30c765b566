#pragma once
// What the worker shares with its subsystems (WHIP/WebRTC, SIP, console, dispatch): the media
// loops with their per-loop services, the tenants, the router, readiness, and the session count.
// Subsystems are created once the worker is ready and stopped when it drains (DESIGN.md §2).
#include <uv.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/Readiness.hpp"
#include "agent/admission/AdmissionControl.hpp"
#include "agent/api/ApiKeys.hpp"
#include "agent/SessionRegistry.hpp"
#include "agent/WorkerConfig.hpp"
#include "agent/session/ProviderSettings.hpp"
#include "agent/http/Router.hpp"
#include "core/Clock.hpp"
#include "core/LoopThread.hpp"
#include "core/Metrics.hpp"

namespace parley::media {
class Pacer;
}
namespace parley::dialog {
class WsClientContext;
class CurlMulti;
}  // namespace parley::dialog
namespace parley::tools {
class TenantDirectory;
struct Tenant;
class BookingStore;
class AvailabilityCache;
}  // namespace parley::tools
namespace parley::dialog::local {
class LocalProviders;
}

namespace parley::agent {

/// One media event-loop thread and the services every session on it shares. Everything except
/// `thread` and `sessions` may only be touched on that thread (post() a task to get there).
struct MediaLoop {
  size_t index = 0;
  std::unique_ptr<core::LoopThread> thread;
  std::unique_ptr<media::Pacer> pacer;               ///< sends every session's frame each 20 ms
  std::unique_ptr<dialog::WsClientContext> ws;       ///< websocket clients (STT, TTS)
  std::unique_ptr<dialog::CurlMulti> http;           ///< HTTP clients (LLM, webhooks)
  std::atomic<int> sessions{0};                      ///< sessions pinned here (any thread reads)
};

/// Places outbound calls for the fleet's outbound queue (issue 10 campaigns). The SIP subsystem
/// registers one with WorkerContext::setOutboundDialer; without one, this worker takes no jobs.
class OutboundDialer {
 public:
  virtual ~OutboundDialer() = default;
  /// Dials a DialRequest JSON ({"tenant","to","context"?,"trunk"?}, issue 9) and returns the call
  /// id. `onEnded` runs exactly once, on any thread, when the call is over, with its last
  /// progress event ("ended", "busy", "no_answer", "failed"). Throws core::Error (bad request,
  /// no trunk, full) if it cannot dial — then `onEnded` is not called.
  virtual std::string dialQueued(const std::string& requestJson,
                                 std::function<void(const std::string& outcome)> onEnded) = 0;
};

/// A part of the worker with its own lifetime (the WHIP endpoint, the SIP user agent …).
class Subsystem {
 public:
  virtual ~Subsystem() = default;
  /// Worker is draining: stop taking new calls (active ones go on). Control loop thread.
  virtual void drain() {}
  /// Worker is stopping: release sockets and threads. Control loop thread. Active sessions are
  /// ended by the worker afterwards.
  virtual void stop() = 0;
};

class WorkerContext {
 public:
  WorkerContext(const WorkerSettings& settings, Router& router, Readiness& readiness,
                SessionRegistry& sessions, const tools::TenantDirectory& tenants,
                std::vector<std::unique_ptr<MediaLoop>>& loops, uv_loop_t* controlLoop);

  const WorkerSettings& settings() const { return settings_; }
  Router& router() { return router_; }
  Readiness& readiness() { return readiness_; }
  SessionRegistry& sessions() { return sessions_; }
  const tools::TenantDirectory& tenants() const { return tenants_; }
  core::MetricsRegistry& metrics() { return core::MetricsRegistry::global(); }
  core::Clock& clock() { return core::SystemClock::instance(); }
  /// The control loop (HTTP, signals); subsystems' control-side handles live here.
  uv_loop_t* controlLoop() { return controlLoop_; }
  /// The media loop with the fewest sessions (ties: lowest index). Thread-safe.
  MediaLoop& pickLoop();
  std::vector<std::unique_ptr<MediaLoop>>& loops() { return loops_; }
  /// False while the worker refuses new calls: draining, full (admission.max_sessions) or
  /// overloaded (load >= admission.load_threshold). New calls must then be refused (WHIP 503,
  /// SIP 503 with Retry-After); admitCall() says why and for how long. Thread-safe.
  bool accepting() const { return accepting_.load() && admission_->decide().admitted; }
  /// The full admission answer for a new call: reason ("draining", "full", "overloaded"),
  /// detail, Retry-After seconds and — with a fleet registry — a less-loaded worker's base URL
  /// for a WHIP 307. Thread-safe.
  Admission admitCall() const { return admission_->decide(); }
  AdmissionControl& admission() { return *admission_; }
  /// The API key guard for `/v1/*` routes (issue 10): register a route as
  /// `router().add(m, "/v1/…", context.api().wrap([](const HttpRequest&, const ApiPrincipal&
  /// who) {…}))` — 401 without a valid key, 429 over the key's rate. Set by the worker before
  /// subsystems start.
  ApiGuard& api() { return *api_; }
  void setApi(ApiGuard* api) { api_ = api; }
  /// Borrowed; null to remove (before the dialer dies). Thread-safe.
  void setOutboundDialer(OutboundDialer* dialer) { dialer_ = dialer; }
  OutboundDialer* outboundDialer() const { return dialer_.load(); }
  void stopAccepting() {
    accepting_ = false;
    admission_->setDraining();
  }

  /// The STT/LLM/TTS endpoints for a call of `tenant`: each role uses its cloud provider when
  /// its key is configured (providers.*.api_key / DEEPGRAM_API_KEY …) and the worker's local
  /// engine otherwise (DESIGN.md §5). Thread-safe. Throws core::Error if a role has neither.
  ProviderSettings providerSettingsFor(const tools::Tenant& tenant) const;
  /// The tenant's booking store (SQLite under data_dir), opened once and shared by every call
  /// of that tenant on any thread; its availability reads go through the availability cache
  /// when one is set. Throws core::Error if it cannot be opened.
  std::shared_ptr<tools::BookingStore> storeFor(const tools::Tenant& tenant);
  /// The worker's availability cache (issue 10; FleetServices owns it). Set before any
  /// storeFor(); null = uncached.
  void setAvailabilityCache(std::shared_ptr<tools::AvailabilityCache> cache) {
    availabilityCache_ = std::move(cache);
  }
  /// Set by the worker once its local engines listen (null when every role is cloud).
  void setLocalProviders(const dialog::local::LocalProviders* local) { local_ = local; }

 private:
  const WorkerSettings& settings_;
  Router& router_;
  Readiness& readiness_;
  SessionRegistry& sessions_;
  const tools::TenantDirectory& tenants_;
  std::vector<std::unique_ptr<MediaLoop>>& loops_;
  uv_loop_t* controlLoop_;
  std::atomic<bool> accepting_{true};
  std::unique_ptr<AdmissionControl> admission_;
  ApiGuard* api_ = nullptr;  ///< borrowed from the worker's FleetServices
  std::atomic<OutboundDialer*> dialer_{nullptr};
  std::atomic<const dialog::local::LocalProviders*> local_{nullptr};
  std::mutex storesMutex_;
  std::map<std::string, std::shared_ptr<tools::BookingStore>> stores_;
  std::shared_ptr<tools::AvailabilityCache> availabilityCache_;
  /// Per tenant id: the worker's conversation settings with the tenant's `conversation:` block.
  std::map<std::string, dialog::ConversationConfig> conversations_;
};

/// Which provider roles have no cloud key and so need the local engines: {stt, llm, tts}.
struct LocalRoles {
  bool stt = false, llm = false, tts = false;
  bool any() const { return stt || llm || tts; }
};
LocalRoles localRolesFor(const WorkerSettings& settings);

/// Builds the worker's subsystems. Each subsystem adds one line in SubsystemList.cpp.
std::vector<std::unique_ptr<Subsystem>> makeSubsystems(WorkerContext& context);

}  // namespace parley::agent
