#include "agent/fleet/CampaignRoutes.hpp"

#include "agent/fleet/FleetServices.hpp"
#include "core/Error.hpp"
#include "core/SecureRandom.hpp"

namespace parley::agent {
namespace {

using nlohmann::json;

std::string newCampaignId() {
  return "cmp_" + core::secureRandomHex(16);
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void addCampaignRoutes(Router& router, ApiGuard& guard, FleetServices& fleet,
                       const tools::TenantDirectory& tenants) {
  const std::string prefix = fleet.redisPrefix();
  router.add(
      HttpMethod::Post, "/v1/campaigns",
      guard.wrap([&fleet, &tenants, prefix](const HttpRequest& req, const ApiPrincipal& who) {
        CampaignRequest r;
        try {
          r = CampaignRequest::parse(req.body, tenants);
        } catch (const core::UsageError& e) {
          return HttpResponse::error(400, e.what());
        }
        if (!who.canSee(r.tenant))
          return HttpResponse::error(403, "this API key is for another tenant");
        std::string id = newCampaignId();
        int64_t created = nowMs();
        auto jobs = std::make_shared<std::vector<std::string>>();
        for (size_t i = 0; i < r.leads.size(); ++i)
          jobs->push_back(campaignJob(r, id, i, created).dump());
        std::string tenant = r.tenant;
        size_t n = r.leads.size();
        return fleet.viaRedis([=](RedisClient* redis, std::function<void(HttpResponse)> reply) {
          if (!redis || !redis->connected())
            return reply(HttpResponse::error(503, "campaigns need the fleet's Redis (redis.url)"));
          std::string key = prefix + ":campaign:" + id;
          redis->command({"HSET", key, "tenant", tenant, "total", std::to_string(n),
                          "created_at_ms", std::to_string(created), "started", "0", "finished",
                          "0"});
          redis->command({"PEXPIRE", key, std::to_string(30LL * 24 * 3600 * 1000)});
          for (size_t i = 0; i < jobs->size(); ++i) {
            bool last = i + 1 == jobs->size();
            redis->command({"XADD", prefix + ":outbound", "*", "job", (*jobs)[i]},
                           [last, reply, id, n](const RedisValue& v) {
                             if (!v.ok())
                               return reply(HttpResponse::error(503, "redis refused the job"));
                             if (!last) return;
                             json body = {{"campaign_id", id},
                                          {"leads", n},
                                          {"progress_url", "/v1/campaigns/" + id}};
                             HttpResponse resp = HttpResponse::json(201, body.dump());
                             resp.headers.emplace_back("Location", "/v1/campaigns/" + id);
                             reply(std::move(resp));
                           });
          }
        });
      }));
  router.add(
      HttpMethod::Get, "/v1/campaigns/{id}",
      guard.wrap([&fleet, prefix](const HttpRequest& req, const ApiPrincipal& who) {
        std::string id = req.params.at("id");
        return fleet.viaRedis([=](RedisClient* redis, std::function<void(HttpResponse)> reply) {
          if (!redis || !redis->connected())
            return reply(HttpResponse::error(503, "campaigns need the fleet's Redis (redis.url)"));
          redis->command({"HGETALL", prefix + ":campaign:" + id}, [=](const RedisValue& v) {
            std::map<std::string, std::string> f;
            for (size_t i = 0; i + 1 < v.elements.size(); i += 2)
              f[v.elements[i].str] = v.elements[i + 1].str;
            if (!v.ok() || f.empty() || !who.canSee(f["tenant"]))
              return reply(HttpResponse::error(404, "no such campaign"));
            auto num = [&](const char* k) -> int64_t { return f.count(k) ? std::stoll(f[k]) : 0; };
            json body = {{"id", id},
                         {"tenant", f["tenant"]},
                         {"total", num("total")},
                         {"queued", num("total") - num("started")},
                         {"started", num("started")},
                         {"finished", num("finished")},
                         {"ended", num("ended")},
                         {"busy", num("busy")},
                         {"no_answer", num("no_answer")},
                         {"failed", num("failed")},
                         {"created_at_ms", num("created_at_ms")}};
            reply(HttpResponse::json(200, body.dump()));
          });
        });
      }));
}

}  // namespace parley::agent
