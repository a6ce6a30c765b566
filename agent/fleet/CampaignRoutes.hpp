#pragma once
// POST /v1/campaigns and GET /v1/campaigns/{id} (issue 10), behind the API key guard.
//   POST {"tenant","leads":[{"name","phone","context"}],"pacing":{…},"trunk"?} → 201
//        {"campaign_id","leads":N,"progress_url"}; 400 naming the bad field; 403 another
//        tenant's key; 503 without Redis (campaigns live on the fleet's queue).
//   GET  → 200 {"id","tenant","total","queued","started","finished","ended","busy",
//        "no_answer","failed","created_at"}; 404 unknown (or another tenant's).
#include "agent/api/ApiKeys.hpp"
#include "agent/fleet/Campaigns.hpp"
#include "agent/http/Router.hpp"

namespace parley::agent {

class FleetServices;

/// `guard`, `fleet` and `tenants` are borrowed for the router's lifetime.
void addCampaignRoutes(Router& router, ApiGuard& guard, FleetServices& fleet,
                       const tools::TenantDirectory& tenants);

}  // namespace parley::agent
