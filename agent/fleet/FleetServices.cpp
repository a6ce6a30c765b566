#include "agent/fleet/FleetServices.hpp"

#include <unistd.h>

#include <future>

#include "agent/Version.hpp"
#include "agent/fleet/CampaignRoutes.hpp"
#include "agent/fleet/Campaigns.hpp"
#include "agent/records/CallRoutes.hpp"
#include "agent/webhooks/WebhookRoutes.hpp"
#include "core/Clock.hpp"
#include "core/Error.hpp"
#include "core/Log.hpp"
#include "tools/Tenant.hpp"
#include "tools/TenantLoader.hpp"

namespace parley::agent {

FleetServices::FleetServices(const WorkerSettings& settings, Router& router,
                             SessionRegistry& sessions, const tools::TenantDirectory& tenants,
                             core::MetricsRegistry& metrics)
    : settings_(settings), sessions_(sessions), tenants_(tenants) {
  const core::Config& c = settings.raw;
  auto keysFile = c.getString("api.keys_file");
  api_ = std::make_unique<ApiGuard>(
      ApiKeyTable::load(
          c.getString("api.admin_key_sha256"),
          keysFile.empty() ? std::nullopt : std::optional<std::filesystem::path>(keysFile)),
      static_cast<int>(c.getInt("api.rate_limit_per_min")), core::SystemClock::instance(), metrics);
  records_ = std::make_unique<CallRecordStore>(settings.dataDir / c.getString("records.file"));
  tools::AvailabilityCacheSettings cacheSettings;
  cacheSettings.ttl = std::chrono::milliseconds(
      static_cast<int64_t>(c.getDouble("availability_cache.ttl_s") * 1000));
  cacheSettings.maxEntries = static_cast<size_t>(c.getInt("availability_cache.max_entries"));
  if (cacheSettings.ttl.count() > 0)
    availability_ = std::make_shared<tools::AvailabilityCache>(
        cacheSettings, core::SystemClock::instance(), metrics);
  loop_ = std::make_unique<core::LoopThread>("fleet", metrics);
  recorder_ = std::make_unique<CallRecorder>(*records_, *loop_, metrics);
  addCallRoutes(router, *api_, *records_);

  auto hooksFile = c.getString("webhooks.file");
  webhookEndpoints_ = std::make_unique<WebhookEndpoints>(WebhookEndpoints::load(
      hooksFile.empty() ? std::nullopt : std::optional<std::filesystem::path>(hooksFile)));
  outbox_ = std::make_unique<WebhookOutbox>(settings.dataDir / c.getString("webhooks.outbox_file"));
  WebhookSettings ws;
  ws.timeoutMs = static_cast<uint64_t>(c.getInt("webhooks.timeout_ms"));
  ws.initialBackoffMs = static_cast<uint64_t>(c.getInt("webhooks.initial_backoff_ms"));
  ws.maxBackoffMs = static_cast<uint64_t>(c.getDouble("webhooks.max_backoff_s") * 1000);
  ws.maxAgeMs = static_cast<int64_t>(c.getDouble("webhooks.max_age_h") * 3600 * 1000);
  webhookSettings_ = ws;
  // The dispatcher's curl handles belong to the fleet loop: build it there.
  std::promise<void> built;
  loop_->post([this, ws, &built, &metrics] {
    try {
      dispatcher_ = std::make_unique<WebhookDispatcher>(loop_->loop(), *webhookEndpoints_, *outbox_,
                                                        ws, core::SystemClock::instance(), metrics);
      recorder_->addListener(dispatcher_.get());
      built.set_value();
    } catch (...) {
      built.set_exception(std::current_exception());
    }
  });
  built.get_future().get();
  addWebhookRoutes(router, *api_, *webhookEndpoints_, [this](CallEvent e) {
    loop_->post([this, e = std::move(e)] { recorder_->publish(e); });
  });
  if (webhookEndpoints_->size() > 0)
    core::Logger("webhooks")
        .info("webhooks for {} tenants; {} events pending from earlier runs",
              webhookEndpoints_->size(), outbox_->counts().pending);
  sessions_.addWatcher(recorder_.get());

  workerId_ = c.getString("fleet.worker_id");
  if (workerId_.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    workerId_ = std::string(host) + "-" + std::to_string(getpid());
  }
  addCampaignRoutes(router, *api_, *this, tenants_);
  // GET /v1/fleet/workers (admin): the registry as this worker sees it.
  router.add(HttpMethod::Get, "/v1/fleet/workers",
             api_->wrap([this](const HttpRequest&, const ApiPrincipal& who) {
               if (!who.admin) return HttpResponse::error(403, "needs an admin API key");
               nlohmann::json list = nlohmann::json::array();
               std::string redirect;
               if (registry_) {
                 for (const auto& w : registry_->live()) list.push_back(w.toJson());
                 redirect = registry_->pickRedirect();
               }
               return HttpResponse::json(200, nlohmann::json{{"self", workerId_},
                                                             {"redis", redis_ != nullptr},
                                                             {"workers", list},
                                                             {"redirect", redirect}}
                                                  .dump());
             }));
}

void FleetServices::startFleet(const std::string& advertiseUrl, WorkerContext& context) {
  AdmissionControl& admission = context.admission();
  const core::Config& c = settings_.raw;
  const std::string& url = c.getString("redis.url");
  if (url.empty()) return;
  std::string why;
  auto parsed = RedisUrl::parse(url, &why);
  if (!parsed)
    throw core::ConfigError("redis.url", "", why);  // never the URL: it may hold a password
  admission_ = &admission;
  std::string prefix = c.getString("redis.prefix");
  auto heartbeat = static_cast<uint64_t>(c.getInt("fleet.heartbeat_ms"));
  auto ttl = static_cast<uint64_t>(c.getInt("fleet.ttl_ms"));
  auto maxLen = static_cast<size_t>(c.getInt("redis.calls_stream_maxlen"));
  std::string self = c.getString("fleet.advertise_url");
  if (self.empty()) self = advertiseUrl;
  std::promise<void> started;
  loop_->post([this, p = *parsed, prefix, heartbeat, ttl, maxLen, self, &admission, &context,
               &started] {
    redis_ = std::make_unique<RedisClient>(loop_->loop(), p);
    // /readyz shows the Redis state (never the password). A refused password or database
    // is this worker's misconfiguration: not ready until fixed, so a rollout with a wrong
    // secret stops at the first worker. An unreachable Redis is the whole fleet's outage:
    // every worker still takes calls alone, so it stays ready and says why.
    Readiness* readiness = &context.readiness();
    readiness->set("redis", true, "connecting to " + p.redacted());
    redis_->onState([readiness](const RedisClient::State& st) {
      readiness->set("redis", st.up || !st.refused, st.detail);
    });
    if (webhookEndpoints_->size() > 0) {
      // The fleet's webhook outbox: new events go onto the Redis stream and any worker
      // delivers them; the local outbox stays the fallback while Redis does not answer.
      WebhookStreamSettings wss;
      wss.prefix = prefix;
      wss.consumer = workerId_;
      wss.claimIdleMs = static_cast<uint64_t>(settings_.raw.getInt("webhooks.claim_idle_ms"));
      webhookStream_ =
          std::make_unique<WebhookStream>(loop_->loop(), *redis_, *webhookEndpoints_,
                                          webhookSettings_, wss, core::SystemClock::instance());
      dispatcher_->setForwarder(webhookStream_.get());
    }
    if (availability_) {
      feed_ =
          std::make_shared<AvailabilityFeed>(*loop_, *redis_, p, prefix, workerId_, *availability_);
      feed_->start();
    }
    callStream_ = std::make_unique<RedisCallStream>(*redis_, prefix, maxLen);
    recorder_->addListener(callStream_.get());
    std::string id = workerId_;
    registry_ = std::make_unique<WorkerRegistry>(
        loop_->loop(), *redis_, prefix,
        [id, self, &admission, this] {
          WorkerInfo w;
          w.id = id;
          w.url = self;
          w.load = admission.load();
          w.sessions = sessions_.active();
          w.maxSessions = admission.settings().maxSessions;
          w.accepting = admission.decide().admitted;
          w.version = kVersion;
          w.atMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
          return w;
        },
        heartbeat, ttl);
    startQueue(prefix, context);
    started.set_value();
  });
  started.get_future().wait();
  WorkerRegistry* reg = registry_.get();
  admission.setRedirector([reg] { return reg->pickRedirect(); });
  core::Logger("fleet").info("fleet: worker {} at {} registers in redis at {} every {} ms",
                             workerId_, self, parsed->redacted(), heartbeat);
}

FleetServices::~FleetServices() {
  stop();
}

void FleetServices::stop() {
  if (stopped_) return;
  stopped_ = true;
  sessions_.removeWatcher(recorder_.get());
  if (admission_) admission_->setRedirector({});
  // Queued record writes (and their webhook events) run first, then the dispatcher goes.
  loop_->post([this] {
    dispatcher_.reset();
    webhookStream_.reset();  // deliveries in flight stay pending in Redis: claimed again
    queue_.reset();
    if (feed_) feed_->close();
    feed_.reset();
    registry_.reset();  // deletes this worker's registry entry (queued before the disconnect)
    callStream_.reset();
    redis_.reset();
  });
  loop_->stop();
}

}  // namespace parley::agent

namespace parley::agent {

HttpResponse FleetServices::viaRedis(
    std::function<void(RedisClient*, std::function<void(HttpResponse)>)> f) {
  auto result = std::make_shared<std::promise<HttpResponse>>();
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto reply = [result, answered](HttpResponse r) {
    if (!answered->exchange(true)) result->set_value(std::move(r));
  };
  if (!loop_->post([this, f = std::move(f), reply] { f(redis_.get(), reply); }))
    return HttpResponse::error(503, "the worker is stopping");
  auto fut = result->get_future();
  if (fut.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    answered->store(true);
    return HttpResponse::error(503, "redis did not answer in time");
  }
  return fut.get();
}

void FleetServices::startQueue(const std::string& prefix, WorkerContext& context) {
  const core::Config& c = settings_.raw;
  OutboundQueueSettings qs;
  qs.prefix = prefix;
  qs.consumer = workerId_;
  qs.pollMs = static_cast<uint64_t>(c.getInt("fleet.outbound_poll_ms"));
  qs.claimIdleMs = static_cast<uint64_t>(c.getInt("fleet.outbound_claim_idle_ms"));
  RedisClient* redis = redis_.get();
  WorkerContext* ctx = &context;
  queue_ = std::make_unique<OutboundQueue>(
      loop_->loop(), *redis, qs,
      // Room = a dialer, admission says yes, and fewer jobs running (dialing or talking) than
      // max_sessions: a call still ringing is not a session yet but will be.
      [this, ctx] {
        return ctx->outboundDialer() != nullptr && ctx->admitCall().admitted &&
               static_cast<int>(queue_->running()) < ctx->admission().settings().maxSessions;
      },
      [this, redis, prefix, ctx](const nlohmann::json& job, std::function<void()> done) {
        std::string campaign = prefix + ":campaign:" + job.value("campaign_id", "");
        redis->command({"HINCRBY", campaign, "started", "1"});
        OutboundDialer* dialer = ctx->outboundDialer();
        core::LoopThread* loop = loop_.get();
        auto finished = [redis, campaign, done](const std::string& outcome) {
          redis->command({"HINCRBY", campaign, outcome.empty() ? "failed" : outcome, "1"});
          redis->command({"HINCRBY", campaign, "finished", "1"});
          done();
        };
        try {
          if (!dialer) throw core::Error("no outbound dialer");
          dialer->dialQueued(dialRequestFor(job), [loop, finished](const std::string& outcome) {
            loop->post([finished, outcome] { finished(outcome); });
          });
        } catch (const std::exception& e) {
          core::Logger("outbound")
              .warn("job {} not dialled: {}", job.value("job_id", ""), e.what());
          finished("failed");
        }
      });
  // Pacing before a job is taken: stagger and calling hours (pure), then the tenant's calls per
  // minute across the fleet (a Redis counter per tenant and minute).
  queue_->setGate(
      [this, redis, prefix](const nlohmann::json& job, std::function<void(int64_t)> answer) {
        auto tenant = tenants_.byId(job.value("tenant", ""));
        int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        int64_t wait = campaignWaitMs(job, tenant ? tenant->zone : nullptr, now);
        if (wait > 0) return answer(wait);
        std::string key =
            prefix + ":rate:" + job.value("tenant", "") + ":" + std::to_string(now / 60000);
        int limit = job.value("calls_per_minute", 1000000);
        redis->command({"INCR", key}, [redis, key, limit, now, answer](const RedisValue& v) {
          redis->command({"PEXPIRE", key, "120000"});
          if (!v.ok()) return answer(1000);
          answer(v.integer <= limit ? 0 : 60000 - now % 60000);
        });
      });
}

}  // namespace parley::agent
