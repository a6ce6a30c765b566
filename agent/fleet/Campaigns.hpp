#pragma once
// Outbound campaigns (issue 10): `POST /v1/campaigns` turns a list of leads into jobs on the
// fleet's outbound queue (OutboundQueue, Redis Streams); `GET /v1/campaigns/{id}` reports
// progress counts. Pacing, checked before a worker takes a job (OutboundQueue::Gate):
//   - stagger_s: lead i is not dialled before created_at + i × stagger_s;
//   - calls_per_minute: at most this many calls of the tenant start per minute, fleet-wide
//     (a per-minute Redis counter);
//   - hours {"from":"09:00","to":"18:00"}: only inside these local hours in the tenant's zone.
// A job that must wait goes back to the end of the queue. Needs Redis (404 without it).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace date {
class time_zone;
}
namespace parley::tools {
class TenantDirectory;
}

namespace parley::agent {

struct CampaignLead {
  std::string name;
  std::string phone;  ///< E.164 after parse()
  nlohmann::json context = nlohmann::json::object();
};

struct CampaignRequest {
  static constexpr size_t kMaxLeads = 10000;  // one request; bounds the XADD burst and memory
  std::string tenant;
  std::vector<CampaignLead> leads;
  double staggerS = 5;
  int callsPerMinute = 10;
  int fromMinute = 9 * 60;  ///< local minute of day, inclusive
  int toMinute = 18 * 60;   ///< exclusive
  std::string trunk;        ///< "" = the tenant's default outbound trunk

  /// Parses {"tenant","leads":[{"name","phone","context"?}],"pacing":{"stagger_s",
  /// "calls_per_minute","hours":{"from","to"}}?,"trunk"?}. Throws core::UsageError naming the
  /// field (unknown tenant, bad phone, empty or too many leads, bad hours …).
  static CampaignRequest parse(const std::string& body, const tools::TenantDirectory& tenants);
};

/// The queue job for lead `index` of campaign `id` created at `createdMs`: {"job_id":
/// "<id>-<index>","campaign_id","tenant","to","name","context","trunk","not_before_ms",
/// "calls_per_minute","from_minute","to_minute"}.
nlohmann::json campaignJob(const CampaignRequest& r, const std::string& id, size_t index,
                           int64_t createdMs);

/// Pure pacing rule without the rate limit: 0 if `job` may start at `nowMs` in `zone`, else the
/// ms to wait (until not_before, or until the calling window opens — next day if it closed).
int64_t campaignWaitMs(const nlohmann::json& job, const date::time_zone* zone, int64_t nowMs);

/// The DialRequest JSON (issue 9: tenant, to, context, trunk) for a campaign job.
std::string dialRequestFor(const nlohmann::json& job);

}  // namespace parley::agent
