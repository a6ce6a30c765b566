// GET /v1/calls and /v1/calls/{id} through the real router, guard and SQLite store.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/records/CallRoutes.hpp"

using namespace parley;
using nlohmann::json;

namespace {

struct Fixture {
  core::ManualClock clock;
  core::MetricsRegistry metrics;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("parley-callroutes-" + std::to_string(getpid()));
  std::unique_ptr<agent::CallRecordStore> store;
  std::unique_ptr<agent::ApiGuard> guard;
  agent::Router router;

  Fixture() {
    std::filesystem::remove_all(dir);
    store = std::make_unique<agent::CallRecordStore>(dir / "calls.sqlite");
    std::string yaml =
        "keys:\n  - {name: a, tenant: alpha, sha256: " + agent::toHex(agent::sha256("alpha-key")) +
        "}\n";
    guard = std::make_unique<agent::ApiGuard>(
        agent::ApiKeyTable::fromYaml(agent::toHex(agent::sha256("root")), yaml, "k"), 1000, clock,
        metrics);
    agent::addCallRoutes(router, *guard, *store);
    for (auto [id, tenant, outcome, start] :
         {std::tuple{"c1", "alpha", dialog::CallOutcome::Booked, "2026-11-20T09:00:00Z"},
          std::tuple{"c2", "alpha", dialog::CallOutcome::Abandoned, "2026-11-21T09:00:00Z"},
          std::tuple{"c3", "beta", dialog::CallOutcome::Booked, "2026-11-21T10:00:00Z"}}) {
      agent::StoredCall c;
      c.record.callId = id;
      c.record.tenantId = tenant;
      c.record.outcome = outcome;
      c.leg = "webrtc";
      c.startedAt = c.endedAt = *agent::parseTime(start);
      store->put(c);
    }
  }

  agent::HttpResponse get(const std::string& path, const std::string& query,
                          const std::string& key) {
    agent::HttpRequest r;
    r.path = path;
    r.query = query;
    if (!key.empty()) r.headers["authorization"] = "Bearer " + key;
    return router.dispatch(r);
  }
};

}  // namespace

TEST_CASE("the calls API needs a key and shows a tenant key only its own calls") {
  Fixture f;
  CHECK(f.get("/v1/calls", "", "").status == 401);
  CHECK(f.get("/v1/calls/c1", "", "").status == 401);
  CHECK(f.get("/v1/calls/c1", "", "bad").status == 401);

  auto mine = f.get("/v1/calls/c1", "", "alpha-key");
  CHECK(mine.status == 200);
  CHECK(json::parse(mine.body)["tenant"] == "alpha");
  CHECK(f.get("/v1/calls/c3", "", "alpha-key").status == 404);  // beta's: not found
  CHECK(f.get("/v1/calls/c3", "", "root").status == 200);
  CHECK(f.get("/v1/calls/zz", "", "root").status == 404);

  auto list = json::parse(f.get("/v1/calls", "", "alpha-key").body);
  CHECK(list["count"] == 2);
  CHECK(list["calls"][0]["id"] == "c2");
  CHECK(f.get("/v1/calls", "tenant=beta", "alpha-key").status == 403);
  CHECK(json::parse(f.get("/v1/calls", "", "root").body)["count"] == 3);
  CHECK(json::parse(f.get("/v1/calls", "tenant=beta", "root").body)["count"] == 1);
  auto booked =
      json::parse(f.get("/v1/calls", "outcome=booked&since=2026-11-21T00%3A00%3A00Z", "root").body);
  REQUIRE(booked["count"] == 1);
  CHECK(booked["calls"][0]["id"] == "c3");
  CHECK(json::parse(f.get("/v1/calls", "limit=1", "root").body)["count"] == 1);
}

TEST_CASE("bad list parameters are 400 with the parameter named") {
  Fixture f;
  auto bad = [&](const std::string& q) {
    auto r = f.get("/v1/calls", q, "root");
    CHECK(r.status == 400);
    return json::parse(r.body)["error"]["message"].get<std::string>();
  };
  CHECK(bad("since=yesterday").find("since") != std::string::npos);
  CHECK(bad("outcome=great").find("outcome") != std::string::npos);
  CHECK(bad("limit=0").find("limit") != std::string::npos);
  CHECK(bad("limit=99999").find("limit") != std::string::npos);
  CHECK(bad("limit=-1").find("limit") != std::string::npos);
  CHECK(bad("colour=red").find("colour") != std::string::npos);
  CHECK(bad("since=%zz").find("query") != std::string::npos);
}
