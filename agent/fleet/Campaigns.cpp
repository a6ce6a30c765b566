#include "agent/fleet/Campaigns.hpp"

#include <date/tz.h>

#include "core/Error.hpp"
#include "tools/PhoneNumber.hpp"
#include "tools/Tenant.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::agent {
namespace {

using nlohmann::json;

int parseHhMm(const json& v, const std::string& field) {
  if (!v.is_string()) throw core::UsageError(field + " must be \"HH:MM\"");
  std::string s = v.get<std::string>();
  if (s.size() != 5 || s[2] != ':' || !isdigit(static_cast<unsigned char>(s[0])) ||
      !isdigit(static_cast<unsigned char>(s[1])) || !isdigit(static_cast<unsigned char>(s[3])) ||
      !isdigit(static_cast<unsigned char>(s[4])))
    throw core::UsageError(field + " must be \"HH:MM\"");
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0))
    throw core::UsageError(field + " is not a time of day");
  return h * 60 + m;
}

}  // namespace

CampaignRequest CampaignRequest::parse(const std::string& body,
                                       const tools::TenantDirectory& tenants) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) throw core::UsageError("body must be a JSON object");
  CampaignRequest r;
  if (!j.contains("tenant") || !j["tenant"].is_string())
    throw core::UsageError("tenant is required (a tenant id)");
  r.tenant = j["tenant"].get<std::string>();
  if (!tenants.byId(r.tenant)) throw core::UsageError("tenant '" + r.tenant + "' is not known");
  if (!j.contains("leads") || !j["leads"].is_array() || j["leads"].empty())
    throw core::UsageError("leads must be a non-empty list of {name, phone, context}");
  if (j["leads"].size() > kMaxLeads) throw core::UsageError("leads: at most 10000 per campaign");
  size_t i = 0;
  for (const auto& l : j["leads"]) {
    std::string where = "leads[" + std::to_string(i++) + "]";
    if (!l.is_object() || !l.contains("phone") || !l["phone"].is_string())
      throw core::UsageError(where + ".phone is required");
    auto phone = tools::normalizePhone(l["phone"].get<std::string>());
    if (!phone) throw core::UsageError(where + ".phone is not a phone number");
    CampaignLead lead;
    lead.phone = *phone;
    if (l.contains("name")) {
      if (!l["name"].is_string()) throw core::UsageError(where + ".name must be a string");
      lead.name = l["name"].get<std::string>();
    }
    if (l.contains("context")) {
      if (!l["context"].is_object()) throw core::UsageError(where + ".context must be an object");
      lead.context = l["context"];
      if (lead.context.dump().size() > 4096)
        throw core::UsageError(where + ".context is larger than 4 KiB");
    }
    r.leads.push_back(std::move(lead));
  }
  if (j.contains("trunk")) {
    if (!j["trunk"].is_string()) throw core::UsageError("trunk must be a string");
    r.trunk = j["trunk"].get<std::string>();
  }
  if (j.contains("pacing")) {
    const json& p = j["pacing"];
    if (!p.is_object()) throw core::UsageError("pacing must be an object");
    if (p.contains("stagger_s")) {
      if (!p["stagger_s"].is_number() || p["stagger_s"].get<double>() < 0 ||
          p["stagger_s"].get<double>() > 3600)
        throw core::UsageError("pacing.stagger_s must be 0-3600 seconds");
      r.staggerS = p["stagger_s"].get<double>();
    }
    if (p.contains("calls_per_minute")) {
      if (!p["calls_per_minute"].is_number_integer() || p["calls_per_minute"].get<int>() < 1 ||
          p["calls_per_minute"].get<int>() > 1000)
        throw core::UsageError("pacing.calls_per_minute must be 1-1000");
      r.callsPerMinute = p["calls_per_minute"].get<int>();
    }
    if (p.contains("hours")) {
      const json& h = p["hours"];
      if (!h.is_object() || !h.contains("from") || !h.contains("to"))
        throw core::UsageError("pacing.hours must be {\"from\":\"HH:MM\",\"to\":\"HH:MM\"}");
      r.fromMinute = parseHhMm(h["from"], "pacing.hours.from");
      r.toMinute = parseHhMm(h["to"], "pacing.hours.to");
      if (r.fromMinute >= r.toMinute)
        throw core::UsageError("pacing.hours.from must be before pacing.hours.to");
    }
  }
  return r;
}

json campaignJob(const CampaignRequest& r, const std::string& id, size_t index, int64_t createdMs) {
  const CampaignLead& l = r.leads.at(index);
  return {{"job_id", id + "-" + std::to_string(index)},
          {"campaign_id", id},
          {"tenant", r.tenant},
          {"to", l.phone},
          {"name", l.name},
          {"context", l.context},
          {"trunk", r.trunk},
          {"not_before_ms",
           createdMs + static_cast<int64_t>(r.staggerS * 1000.0 * static_cast<double>(index))},
          {"calls_per_minute", r.callsPerMinute},
          {"from_minute", r.fromMinute},
          {"to_minute", r.toMinute}};
}

int64_t campaignWaitMs(const json& job, const date::time_zone* zone, int64_t nowMs) {
  int64_t notBefore = job.value("not_before_ms", int64_t{0});
  if (nowMs < notBefore) return notBefore - nowMs;
  if (!zone) return 0;
  int from = job.value("from_minute", 0), to = job.value("to_minute", 24 * 60);
  tools::SysSeconds now{
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(nowMs))};
  int minute = tools::localMinuteOfDay(zone, now);
  if (minute >= from && minute < to) return 0;
  int waitMin = minute < from ? from - minute : 24 * 60 - minute + from;
  return static_cast<int64_t>(waitMin) * 60 * 1000;
}

std::string dialRequestFor(const json& job) {
  json ctx = job.value("context", json::object());
  if (!ctx.is_object()) ctx = json::object();
  if (!job.value("name", "").empty() && !ctx.contains("name")) ctx["name"] = job["name"];
  json r = {{"tenant", job.value("tenant", "")}, {"to", job.value("to", "")}, {"context", ctx}};
  if (!job.value("trunk", "").empty()) r["trunk"] = job["trunk"];
  return r.dump();
}

}  // namespace parley::agent
