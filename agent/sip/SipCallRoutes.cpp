#include "agent/sip/SipCallRoutes.hpp"

#include <nlohmann/json.hpp>

#include "core/Error.hpp"

namespace parley::agent {
namespace {

/// Key presses per POST /v1/calls/{id}/dtmf: a menu path or a PIN; the leg queues up to 64.
constexpr size_t kMaxDtmfDigits = 32;

}  // namespace

void registerSipCallRoutes(Router& router, ApiGuard& guard, std::shared_ptr<SipCallApi> api,
                           int retryAfterS) {
  router.add(HttpMethod::Post, "/v1/calls",
             guard.wrap([api, retryAfterS](const HttpRequest& req, const ApiPrincipal& who) {
               std::lock_guard lock(api->mutex);
               if (!api->dial) return HttpResponse::error(503, "SIP is stopping");
               try {
                 DialRequest request = DialRequest::parse(req.body);
                 if (!who.canSee(request.tenant))
                   return HttpResponse::error(404, "unknown tenant '" + request.tenant + "'");
                 std::string id = api->dial(request);
                 nlohmann::json j = {{"call_id", id},
                                     {"state", "dialing"},
                                     {"progress_url", "/v1/calls/" + id + "/progress"}};
                 auto r = HttpResponse::json(201, j.dump());
                 r.headers.emplace_back("Location", "/v1/calls/" + id + "/progress");
                 return r;
               } catch (const core::UsageError& e) {
                 return HttpResponse::error(400, e.what());
               } catch (const DialRefused& e) {
                 auto r = HttpResponse::error(e.status, e.message);
                 if (e.status == 503)
                   r.headers.emplace_back("Retry-After", std::to_string(retryAfterS));
                 return r;
               }
             }));
  // POST /v1/calls/{id}/dtmf {"digits":"1#","duration_ms"?:100} → 202 {"call_id","queued"}:
  // key presses (RFC 4733) to the far end, e.g. through a phone menu on an outbound call. 400
  // bad digits (0-9 * # A-D, at most 32), 404 no such call in progress, 409 not answered
  // yet or no telephone-event negotiated.
  router.add(HttpMethod::Post, "/v1/calls/{id}/dtmf",
             guard.wrap([api](const HttpRequest& req, const ApiPrincipal& who) {
               std::string digits;
               int durationMs = 100;
               try {
                 auto j = nlohmann::json::parse(req.body);
                 if (!j.is_object() || !j.contains("digits") || !j["digits"].is_string())
                   return HttpResponse::error(400, "body must be {\"digits\": \"1#\"}");
                 digits = j["digits"].get<std::string>();
                 if (j.contains("duration_ms")) {
                   if (!j["duration_ms"].is_number_integer())
                     return HttpResponse::error(400, "duration_ms must be an integer");
                   durationMs = j["duration_ms"].get<int>();
                 }
               } catch (const nlohmann::json::exception&) {
                 return HttpResponse::error(400, "body is not JSON");
               }
               if (digits.empty() || digits.size() > kMaxDtmfDigits ||
                   digits.find_first_not_of("0123456789*#ABCD") != std::string::npos)
                 return HttpResponse::error(
                     400, "digits must be 1-32 of 0-9 * # A-D, got '" + digits + "'");
               if (durationMs < 40 || durationMs > 2000)
                 return HttpResponse::error(400, "duration_ms must be 40..2000");
               std::shared_ptr<SipCallState> state;
               {
                 std::lock_guard lock(api->mutex);
                 auto it = api->live.find(req.params.at("id"));
                 if (it == api->live.end() || !who.canSee(it->second.tenant))
                   return HttpResponse::error(404, "no call in progress with this id");
                 if (!it->second.dtmf)
                   return HttpResponse::error(
                       409, "call not answered yet, or the far end offered no telephone-event");
                 state = it->second.state.lock();
               }
               if (!state) return HttpResponse::error(404, "no call in progress with this id");
               bool posted = state->loop->thread->post([state, digits, durationMs] {
                 if (state->call) state->call->sendDigits(digits, durationMs);
               });
               if (!posted) return HttpResponse::error(503, "worker stopping");
               nlohmann::json out = {{"call_id", req.params.at("id")}, {"queued", digits.size()}};
               return HttpResponse::json(202, out.dump());
             }));
  router.add(HttpMethod::Get, "/v1/calls/{id}/progress",
             guard.wrap([api](const HttpRequest& req, const ApiPrincipal& who) {
               auto j = api->book.json(req.params.at("id"));
               if (j && !who.canSee(nlohmann::json::parse(*j).value("tenant", ""))) j.reset();
               if (!j) return HttpResponse::error(404, "no outbound call with this id");
               return HttpResponse::json(200, *j);
             }));
}

}  // namespace parley::agent
