#include "agent/records/CallRoutes.hpp"

#include <set>

#include "agent/api/QueryString.hpp"
#include "core/Error.hpp"

namespace parley::agent {
namespace {

using nlohmann::json;

const std::set<std::string> kOutcomes = {"booked",      "rescheduled", "cancelled", "info_only",
                                         "transferred", "abandoned",   "failed"};
constexpr size_t kMaxLimit = 500;

HttpResponse getCall(const HttpRequest& req, const ApiPrincipal& who, CallRecordStore& store) {
  const std::string& id = req.params.at("id");
  auto record = store.get(id);
  // Another tenant's call is "not found": a key learns nothing about other tenants.
  if (!record || !who.canSee(record->value("tenant", "")))
    return HttpResponse::error(404, "no call record with this id");
  return HttpResponse::json(200, record->dump());
}

HttpResponse listCalls(const HttpRequest& req, const ApiPrincipal& who, CallRecordStore& store) {
  std::map<std::string, std::string> q;
  try {
    q = parseQuery(req.query);
  } catch (const core::UsageError& e) {
    return HttpResponse::error(400, e.what());
  }
  for (const auto& [name, value] : q)
    if (name != "tenant" && name != "since" && name != "outcome" && name != "limit")
      return HttpResponse::error(
          400, "unknown parameter '" + name + "' (use tenant, since, outcome, limit)");
  CallQuery query;
  query.tenant = q.count("tenant") ? q["tenant"] : "";
  if (!who.admin) {
    if (!query.tenant.empty() && query.tenant != who.tenant)
      return HttpResponse::error(403, "this API key is for another tenant");
    query.tenant = who.tenant;
  }
  if (q.count("since")) {
    query.since = parseTime(q["since"]);
    if (!query.since)
      return HttpResponse::error(
          400, "since must be RFC 3339 UTC (2026-11-21T09:00:00Z), a date or Unix seconds");
  }
  if (q.count("outcome")) {
    if (!kOutcomes.count(q["outcome"]))
      return HttpResponse::error(400,
                                 "outcome must be one of booked, rescheduled, cancelled, "
                                 "info_only, transferred, abandoned, failed");
    query.outcome = q["outcome"];
  }
  if (q.count("limit")) {
    const std::string& l = q["limit"];
    bool digits =
        !l.empty() && l.size() <= 4 && l.find_first_not_of("0123456789") == std::string::npos;
    size_t n = digits ? std::stoul(l) : 0;
    if (n < 1 || n > kMaxLimit) return HttpResponse::error(400, "limit must be 1-500");
    query.limit = n;
  }
  json calls = json::array();
  for (auto& c : store.list(query)) calls.push_back(std::move(c));
  json body = {{"count", calls.size()}, {"calls", std::move(calls)}};
  return HttpResponse::json(200, body.dump());
}

}  // namespace

void addCallRoutes(Router& router, ApiGuard& guard, CallRecordStore& store) {
  router.add(HttpMethod::Get, "/v1/calls/{id}",
             guard.wrap([&store](const HttpRequest& r, const ApiPrincipal& who) {
               return getCall(r, who, store);
             }));
  router.add(HttpMethod::Get, "/v1/calls",
             guard.wrap([&store](const HttpRequest& r, const ApiPrincipal& who) {
               return listCalls(r, who, store);
             }));
}

}  // namespace parley::agent
