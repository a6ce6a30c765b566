#include "agent/session/ScriptedCall.hpp"

#include <fmt/format.h>

#include "agent/SessionRegistry.hpp"
#include "agent/WorkerContext.hpp"
#include "agent/session/CallRunner.hpp"
#include "agent/session/CallerAudio.hpp"
#include "agent/session/ProviderSetup.hpp"
#include "agent/session/ScriptedCallerLeg.hpp"
#include "agent/session/Session.hpp"
#include "core/Error.hpp"
#include "dialog/net/CurlMulti.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "media/Pacer.hpp"

namespace parley::agent {

ScriptedCallResult runScriptedCall(ScriptedCallSetup setup) {
  if (!setup.tenant || !setup.store)
    throw core::UsageError("scripted call: tenant and store needed");
  auto audio = renderCallerAudio(setup.script);
  core::ManualClock virtualClock(setup.wallStart);
  core::Clock& clock = setup.realtime ? static_cast<core::Clock&>(core::SystemClock::instance())
                                      : static_cast<core::Clock&>(virtualClock);

  std::unique_ptr<dialog::local::LocalProviders> local;
  ProviderSettings providers;
  if (setup.providerSettings) {
    providers = *setup.providerSettings;
  } else if (setup.providers == "local") {
    dialog::local::LocalProvidersConfig lc;
    lc.tenants = {setup.tenant};
    lc.clock = &clock;
    local = std::make_unique<dialog::local::LocalProviders>(lc);
    local->start();
    providers = localProviderSettings(local->urls(), *setup.tenant);
  } else if (setup.providers == "cloud") {
    providers = cloudProviderSettings(*setup.tenant);
  } else {
    throw core::UsageError("providers must be local or cloud, not '" + setup.providers + "'");
  }
  if (setup.conversation) providers.conversation = *setup.conversation;
  if (setup.adjustProviders) setup.adjustProviders(providers);

  uv_loop_t uv;
  uv_loop_init(&uv);
  MediaLoop ml;
  ml.ws = std::make_unique<dialog::WsClientContext>(&uv);
  ml.http = std::make_unique<dialog::CurlMulti>(&uv);
  if (setup.realtime)
    ml.pacer = std::make_unique<media::Pacer>(&uv, core::SystemClock::instance(), "console");
  SessionRegistry registry;

  auto leg = std::make_unique<ScriptedCallerLeg>("scripted", std::move(audio), ml.pacer.get());
  ScriptedCallerLeg* legPtr = leg.get();
  SessionParams p;
  p.tenant = setup.tenant;
  p.leg = std::move(leg);
  p.callerNumber = setup.script.caller;
  p.callId =
      !setup.callId.empty()
          ? setup.callId
          : fmt::format("console-{}", std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  p.providers = providers;
  p.store = setup.store;
  p.clock = setup.realtime ? nullptr : &virtualClock;
  p.uvLoop = &uv;
  p.legHasEchoCancellation = true;  // a scripted caller has no acoustic path back

  ScriptedCallResult result;
  {
    auto session = Session::start(ml, registry, std::move(p));
    for (auto* o : setup.observers) session->addObserver(o);
    if (setup.realtime)
      runCallRealtime(&uv, *session);
    else
      runCallVirtual(&uv, virtualClock, *session, *legPtr);
    result.record = session->record();
    result.agentAudio = legPtr->recordedAgent();
    result.callerAudio = legPtr->recordedCaller();
    result.turnStartsMs = legPtr->turnStartsMs();
    result.mediaMs = legPtr->mediaTimeMs();
  }
  // Teardown in dependency order: the clients went with the session; now the loop's services.
  runLoopFor(&uv, 10);
  ml.pacer.reset();
  ml.http.reset();
  ml.ws->shutdown();
  for (int i = 0; i < 200 && !ml.ws->closed(); ++i) runLoopFor(&uv, 10);
  ml.ws.reset();
  runLoopFor(&uv, 10);
  uv_loop_close(&uv);
  if (local) local->stop();
  return result;
}

}  // namespace parley::agent
