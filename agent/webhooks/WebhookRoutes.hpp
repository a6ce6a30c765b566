#pragma once
// POST /v1/webhooks/test — queues a "webhook.test" event for a tenant's webhook, so an
// integrator can check their receiver and signature code without placing a call. Body
// {"tenant":"<id>"} (an admin key must name it; a tenant key may omit it). 202
// {"event_id":"evt_…"}; 404 if the tenant has no webhook; 403 for another tenant's key.
#include <functional>

#include "agent/api/ApiKeys.hpp"
#include "agent/http/Router.hpp"
#include "agent/records/CallRecorder.hpp"
#include "agent/webhooks/WebhookEndpoints.hpp"

namespace parley::agent {

/// `publish` hands the event to the fleet loop (thread-safe). `endpoints` and `guard` borrowed.
void addWebhookRoutes(Router& router, ApiGuard& guard, const WebhookEndpoints& endpoints,
                      std::function<void(CallEvent)> publish);

}  // namespace parley::agent
