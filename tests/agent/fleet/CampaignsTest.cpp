#include <date/tz.h>
#include <doctest/doctest.h>

#include "agent/fleet/Campaigns.hpp"
#include "agent/records/CallRecordStore.hpp"
#include "core/Error.hpp"
#include "tools/TenantLoader.hpp"

using namespace parley;
using nlohmann::json;

namespace {

const tools::TenantDirectory& tenants() {
  static const tools::TenantDirectory d =
      tools::TenantDirectory::loadDir(std::string(PARLEY_SOURCE_DIR) + "/config/tenants");
  return d;
}

std::string parseError(const std::string& body) {
  try {
    agent::CampaignRequest::parse(body, tenants());
  } catch (const core::UsageError& e) {
    return e.what();
  }
  return "no error";
}

int64_t ms(const std::string& utc) {
  return agent::parseTime(utc)->time_since_epoch().count();
}

}  // namespace

TEST_CASE("campaign requests are parsed and bad ones name the field") {
  auto r = agent::CampaignRequest::parse(
      R"({"tenant":"demo","leads":[{"name":"Ann","phone":"+1 (415) 555-0100","context":{"why":"recall"}},
          {"phone":"+14155550101"}],"pacing":{"stagger_s":10,"calls_per_minute":3,
          "hours":{"from":"09:30","to":"17:00"}}})",
      tenants());
  CHECK(r.tenant == "demo");
  REQUIRE(r.leads.size() == 2);
  CHECK(r.leads[0].phone == "+14155550100");
  CHECK(r.leads[0].context["why"] == "recall");
  CHECK(r.staggerS == 10);
  CHECK(r.callsPerMinute == 3);
  CHECK(r.fromMinute == 9 * 60 + 30);
  CHECK(r.toMinute == 17 * 60);
  auto job = agent::campaignJob(r, "cmp_x", 1, 1000);
  CHECK(job["job_id"] == "cmp_x-1");
  CHECK(job["not_before_ms"] == 11000);
  auto dial = json::parse(agent::dialRequestFor(agent::campaignJob(r, "cmp_x", 0, 0)));
  CHECK(dial["to"] == "+14155550100");
  CHECK(dial["context"]["name"] == "Ann");
  CHECK(dial["context"]["why"] == "recall");

  CHECK(parseError("[]").find("JSON object") != std::string::npos);
  CHECK(parseError(R"({"leads":[]})").find("tenant") != std::string::npos);
  CHECK(parseError(R"({"tenant":"nope","leads":[{"phone":"+14155550100"}]})").find("nope") !=
        std::string::npos);
  CHECK(parseError(R"({"tenant":"demo","leads":[]})").find("leads") != std::string::npos);
  CHECK(parseError(R"({"tenant":"demo","leads":[{"phone":"call me"}]})").find("leads[0].phone") !=
        std::string::npos);
  CHECK(parseError(R"({"tenant":"demo","leads":[{"phone":"+14155550100","context":[1]}]})")
            .find("context") != std::string::npos);
  CHECK(
      parseError(
          R"({"tenant":"demo","leads":[{"phone":"+14155550100"}],"pacing":{"calls_per_minute":0}})")
          .find("calls_per_minute") != std::string::npos);
  CHECK(
      parseError(
          R"({"tenant":"demo","leads":[{"phone":"+14155550100"}],"pacing":{"hours":{"from":"18:00","to":"09:00"}}})")
          .find("before") != std::string::npos);
  CHECK(
      parseError(
          R"({"tenant":"demo","leads":[{"phone":"+14155550100"}],"pacing":{"hours":{"from":"9am","to":"17:00"}}})")
          .find("HH:MM") != std::string::npos);
}

TEST_CASE("pacing waits for the stagger and for the calling window in the tenant's zone") {
  const date::time_zone* ny = date::locate_zone("America/New_York");
  json job = {{"not_before_ms", ms("2026-11-21T15:00:10Z")},
              {"from_minute", 9 * 60},
              {"to_minute", 17 * 60}};
  // 15:00Z is 10:00 in New York (EST): inside the window, but 10 s before not_before.
  CHECK(agent::campaignWaitMs(job, ny, ms("2026-11-21T15:00:00Z")) == 10000);
  CHECK(agent::campaignWaitMs(job, ny, ms("2026-11-21T15:00:10Z")) == 0);
  // 13:00Z = 08:00 local: one hour until 09:00.
  job["not_before_ms"] = 0;
  CHECK(agent::campaignWaitMs(job, ny, ms("2026-11-21T13:00:00Z")) == 3600 * 1000);
  // 23:00Z = 18:00 local: closed until 09:00 tomorrow (15 h).
  CHECK(agent::campaignWaitMs(job, ny, ms("2026-11-21T23:00:00Z")) == 15LL * 3600 * 1000);
  CHECK(agent::campaignWaitMs(job, nullptr, ms("2026-11-21T23:00:00Z")) == 0);
}
