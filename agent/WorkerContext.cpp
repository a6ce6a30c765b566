#include "agent/WorkerContext.hpp"

#include <thread>

#include "agent/session/ConversationSettings.hpp"
#include "agent/session/ProviderSetup.hpp"
#include "core/Error.hpp"
#include "dialog/local/LocalProviders.hpp"
#include "tools/Tenant.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/CachingBookingStore.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

namespace parley::agent {

WorkerContext::WorkerContext(const WorkerSettings& settings, Router& router, Readiness& readiness,
                             SessionRegistry& sessions, const tools::TenantDirectory& tenants,
                             std::vector<std::unique_ptr<MediaLoop>>& loops, uv_loop_t* controlLoop)
    : settings_(settings),
      router_(router),
      readiness_(readiness),
      sessions_(sessions),
      tenants_(tenants),
      loops_(loops),
      controlLoop_(controlLoop) {
  const core::Config& c = settings.raw;
  AdmissionSettings a;
  a.maxSessions = static_cast<int>(c.getInt("admission.max_sessions"));
  a.loadThreshold = c.getDouble("admission.load_threshold");
  a.retryAfterS = static_cast<int>(c.getInt("admission.retry_after_s"));
  a.lagBudgetMs = c.getDouble("admission.lag_budget_ms");
  a.cores = std::max(1u, std::thread::hardware_concurrency());
  admission_ = std::make_unique<AdmissionControl>(a, sessions, readiness);
  for (const auto& t : tenants.all())
    conversations_[t->id] = tenantConversationConfig(settings.conversation, *t);
}

LocalRoles localRolesFor(const WorkerSettings& settings) {
  const core::Config& c = settings.raw;
  return LocalRoles{c.getString("providers.deepgram.api_key").empty(),
                    c.getString("providers.openai.api_key").empty(),
                    c.getString("providers.elevenlabs.api_key").empty()};
}

ProviderSettings WorkerContext::providerSettingsFor(const tools::Tenant& tenant) const {
  ProviderSettings s = cloudProviderSettings(tenant);
  auto conv = conversations_.find(tenant.id);
  s.conversation = conv != conversations_.end() ? conv->second : settings_.conversation;
  const core::Config& c = settings_.raw;
  s.stt.apiKey = c.getString("providers.deepgram.api_key");
  s.llm.apiKey = c.getString("providers.openai.api_key");
  s.llm.baseUrl = c.getString("providers.openai.base_url");
  s.tts.apiKey = c.getString("providers.elevenlabs.api_key");
  LocalRoles roles = localRolesFor(settings_);
  if (!roles.any()) return s;
  const dialog::local::LocalProviders* local = local_.load();
  if (local == nullptr || !local->running())
    throw core::Error("local speech engines are not running and no provider key is set");
  ProviderSettings l = localProviderSettings(local->urls(), tenant);
  if (roles.stt) s.stt = l.stt;
  if (roles.llm) s.llm = l.llm;
  if (roles.tts) s.tts = l.tts;
  s.localStt = roles.stt;
  s.localTts = roles.tts;
  return s;
}

std::shared_ptr<tools::BookingStore> WorkerContext::storeFor(const tools::Tenant& tenant) {
  std::lock_guard lock(storesMutex_);
  auto it = stores_.find(tenant.id);
  if (it != stores_.end()) return it->second;
  std::shared_ptr<tools::BookingStore> store =
      std::make_shared<tools::SqliteBookingStore>(settings_.dataDir / tenant.booking.path);
  if (availabilityCache_)
    store = std::make_shared<tools::CachingBookingStore>(std::move(store), availabilityCache_);
  stores_[tenant.id] = store;
  return store;
}

MediaLoop& WorkerContext::pickLoop() {
  MediaLoop* best = loops_.front().get();
  for (auto& l : loops_)
    if (l->sessions.load() < best->sessions.load()) best = l.get();
  return *best;
}

}  // namespace parley::agent
