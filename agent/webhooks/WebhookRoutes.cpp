#include "agent/webhooks/WebhookRoutes.hpp"

#include <nlohmann/json.hpp>

namespace parley::agent {

void addWebhookRoutes(Router& router, ApiGuard& guard, const WebhookEndpoints& endpoints,
                      std::function<void(CallEvent)> publish) {
  router.add(HttpMethod::Post, "/v1/webhooks/test",
             guard.wrap([&endpoints, publish](const HttpRequest& req, const ApiPrincipal& who) {
               auto body =
                   nlohmann::json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
               if (!body.is_object()) return HttpResponse::error(400, "body must be a JSON object");
               std::string tenant = who.tenant;
               if (body.contains("tenant")) {
                 if (!body["tenant"].is_string())
                   return HttpResponse::error(400, "tenant must be a string");
                 tenant = body["tenant"].get<std::string>();
               }
               if (tenant.empty())
                 return HttpResponse::error(400, "name the tenant: {\"tenant\":\"…\"}");
               if (!who.canSee(tenant))
                 return HttpResponse::error(403, "this API key is for another tenant");
               if (!endpoints.forTenant(tenant))
                 return HttpResponse::error(404, "this tenant has no webhook (webhooks.file)");
               CallEvent e;
               e.id = newEventId();
               e.type = "webhook.test";
               e.tenant = tenant;
               e.at = std::chrono::time_point_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now());
               e.data = {{"message", "test event from parley"}};
               std::string id = e.id;
               publish(std::move(e));
               return HttpResponse::json(202, nlohmann::json{{"event_id", id}}.dump());
             }));
}

}  // namespace parley::agent
