#pragma once
// The worker's issue-10 services, in one place (DESIGN.md §8): the fleet loop thread (off the
// media loops: SQLite writes, webhook HTTP, Redis), the call records store and recorder, the API
// key guard and the /v1/calls routes, the webhook outbox and dispatcher. Built by the worker after
// the tenants load and before the HTTP server starts; stop() after the media loops stopped, so
// every ended call is written.
#include <memory>

#include "agent/SessionRegistry.hpp"
#include "agent/WorkerConfig.hpp"
#include "agent/WorkerContext.hpp"
#include "agent/admission/AdmissionControl.hpp"
#include "agent/api/ApiKeys.hpp"
#include "agent/fleet/AvailabilityFeed.hpp"
#include "agent/fleet/OutboundQueue.hpp"
#include "agent/fleet/RedisCallStream.hpp"
#include "agent/fleet/RedisClient.hpp"
#include "agent/fleet/WorkerRegistry.hpp"
#include "agent/http/Router.hpp"
#include "agent/records/CallRecordStore.hpp"
#include "agent/records/CallRecorder.hpp"
#include "agent/webhooks/WebhookDispatcher.hpp"
#include "agent/webhooks/WebhookOutbox.hpp"
#include "agent/webhooks/WebhookStream.hpp"
#include "core/LoopThread.hpp"
#include "core/Metrics.hpp"

namespace parley::tools {
class TenantDirectory;
}

namespace parley::agent {

class FleetServices {
 public:
  /// Opens the stores under settings.dataDir, loads the API keys, registers the routes on
  /// `router` and the recorder on `sessions` (all borrowed; must outlive this). Throws
  /// core::ConfigError (bad keys file) or tools::SqliteError (store cannot be opened).
  FleetServices(const WorkerSettings& settings, Router& router, SessionRegistry& sessions,
                const tools::TenantDirectory& tenants,
                core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  /// Calls stop().
  ~FleetServices();
  FleetServices(const FleetServices&) = delete;
  FleetServices& operator=(const FleetServices&) = delete;

  /// With `redis.url` set: connects to Redis on the fleet loop, starts the worker registry
  /// heartbeat (this worker reachable at `advertiseUrl`, its load and sessions read from
  /// `admission`), the call records stream, and gives `admission` the registry's redirect
  /// choice. No-op without Redis. Call once the HTTP server is bound. Control thread.
  /// Also runs the outbound queue: jobs are taken while `context` has an OutboundDialer and
  /// admits calls.
  void startFleet(const std::string& advertiseUrl, WorkerContext& context);
  /// Runs `f` on the fleet loop with the Redis client (null without Redis) and waits up to 5 s
  /// for it to call its `reply`. Control thread (HTTP handlers). Returns the replied response,
  /// or 503 on timeout.
  HttpResponse viaRedis(std::function<void(RedisClient*, std::function<void(HttpResponse)>)> f);
  /// Runs what is queued (record writes), then stops the fleet loop. Idempotent. Control thread.
  void stop();
  /// This worker's id in the registry (fleet.worker_id, or host-pid).
  const std::string& workerId() const { return workerId_; }
  /// redis.prefix (keys and streams of this fleet).
  std::string redisPrefix() const { return settings_.raw.getString("redis.prefix"); }

  CallRecordStore& records() { return *records_; }
  CallRecorder& recorder() { return *recorder_; }
  core::LoopThread& loop() { return *loop_; }
  WebhookOutbox& outbox() { return *outbox_; }
  ApiGuard& api() { return *api_; }
  /// The worker's availability cache (availability_cache.*), shared by every tenant's booking
  /// store (WorkerContext::storeFor); null when availability_cache.ttl_s is 0. With Redis its
  /// changes travel the fleet (AvailabilityFeed).
  std::shared_ptr<tools::AvailabilityCache> availabilityCache() const { return availability_; }

 private:
  void startQueue(const std::string& prefix, WorkerContext& context);
  const WorkerSettings& settings_;
  SessionRegistry& sessions_;
  std::unique_ptr<core::LoopThread> loop_;
  std::unique_ptr<CallRecordStore> records_;
  std::unique_ptr<CallRecorder> recorder_;
  std::unique_ptr<ApiGuard> api_;
  std::unique_ptr<WebhookEndpoints> webhookEndpoints_;
  std::unique_ptr<WebhookOutbox> outbox_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;  ///< lives on the fleet loop thread
  WebhookSettings webhookSettings_;
  std::unique_ptr<WebhookStream> webhookStream_;  ///< fleet loop thread; with Redis and webhooks
  std::unique_ptr<RedisClient> redis_;            ///< fleet loop thread; null without Redis
  std::unique_ptr<WorkerRegistry> registry_;      ///< fleet loop thread
  std::unique_ptr<RedisCallStream> callStream_;   ///< fleet loop thread
  std::unique_ptr<OutboundQueue> queue_;          ///< fleet loop thread
  std::shared_ptr<tools::AvailabilityCache> availability_;
  std::shared_ptr<AvailabilityFeed> feed_;  ///< fleet loop thread; null without Redis or cache
  const tools::TenantDirectory& tenants_;
  AdmissionControl* admission_ = nullptr;  ///< borrowed once startFleet ran
  std::string workerId_;
  bool stopped_ = false;
};

}  // namespace parley::agent
