#pragma once
// The call records API (issue 10), behind the API key guard:
//   GET /v1/calls/{id}                       → 200 the record (CallRecordStore toJson shape), 404
//   GET /v1/calls?tenant=&since=&outcome=&limit=
//                                            → 200 {"calls":[…newest first…],"count":N}
// A tenant key sees only its tenant (another tenant's call is 404; tenant= of another → 403);
// an admin key sees all. `since` is RFC 3339 UTC, a date or Unix seconds; `outcome` one of
// booked, rescheduled, cancelled, info_only, transferred, abandoned, failed; `limit` 1–500
// (default 50). Bad parameters → 400 naming the parameter.
#include "agent/api/ApiKeys.hpp"
#include "agent/http/Router.hpp"
#include "agent/records/CallRecordStore.hpp"

namespace parley::agent {

/// Registers both routes. `guard` and `store` are borrowed and must outlive the router's use.
void addCallRoutes(Router& router, ApiGuard& guard, CallRecordStore& store);

}  // namespace parley::agent
