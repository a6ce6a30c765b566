// The real `parley worker` process (issue 10): API keys and rate limits on /v1/*, webhooks that
// survive a receiver failing with 500 and a kill -9 of the worker, admission refusing calls at
// max_sessions — and none of the secrets used anywhere in its logs.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "RedisServer.hpp"
#include "agent/api/ApiKeys.hpp"
#include "agent/webhooks/WebhookSignature.hpp"
#include "tests/agent/WorkerProcess.hpp"
#include "tests/dialog/HttpTestServer.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kConfig = std::string(PARLEY_SOURCE_DIR) + "/config/parley.yaml";
const std::string kAdminKey = "adm-7Qz2mXk4VwP9rT1s";
const std::string kTenantKey = "ten-Lr8Nc3Yh6Jd0Fb5u";
const std::string kHookSecret = "whsec-Hq4Zt7Wm2Kp9Xv1c";
const std::string kProviderKey = "sk-prov-Ue5Ra8Sd3Gf6Hj0k";
const std::string kRedisAdminPass = "rds-adm-Vq8Lw3Nz6Tb1";
const std::string kRedisUserPass = "rds-usr-Pk5Hy9Jc2Md7";

std::string url(int port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

struct Dirs {
  std::filesystem::path root;
  explicit Dirs(const std::string& name) {
    root = std::filesystem::temp_directory_path() /
           ("parley-fleet-" + name + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root / "data");
    std::ofstream(root / "api-keys.yaml") << "keys:\n  - {name: demo-crm, tenant: demo, sha256: "
                                          << agent::toHex(agent::sha256(kTenantKey)) << "}\n";
  }
};

// A worker with cloud provider keys set (so no local speech engines load: these tests place no
// calls) and the API, webhook and admission settings under test.
std::map<std::string, std::string> workerEnv(const Dirs& d,
                                             std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> env = {
      {"PARLEY_HTTP_LISTEN", "127.0.0.1:0"},
      {"PARLEY_DATA_DIR", (d.root / "data").string()},
      {"PARLEY_WORKERS_THREADS", "1"},
      {"PARLEY_TENANTS_DIR", std::string(PARLEY_SOURCE_DIR) + "/config/tenants"},
      {"PARLEY_LOG_FORMAT", "json"},
      {"PARLEY_LOG_LEVEL", "debug"},
      {"DEEPGRAM_API_KEY", kProviderKey},
      {"OPENAI_API_KEY", kProviderKey},
      {"ELEVEN_API_KEY", kProviderKey},
      {"PARLEY_API_ADMIN_KEY_SHA256", agent::toHex(agent::sha256(kAdminKey))},
      {"PARLEY_API_KEYS_FILE", (d.root / "api-keys.yaml").string()},
      {"PARLEY_WEBHOOKS_FILE", (d.root / "webhooks.yaml").string()},
      {"PARLEY_SIP_ENABLED", "false"}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

void expectNoSecrets(const std::string& logs) {
  for (const auto& s :
       {kAdminKey, kTenantKey, kHookSecret, kProviderKey, kRedisAdminPass, kRedisUserPass})
    CHECK_MESSAGE(logs.find(s) == std::string::npos, "a secret appears in the worker's log");
}

// `headers` as WorkerProcess collects them (lower-cased); `name` lower-case.
std::string headerValue(const std::string& headers, const std::string& name) {
  auto p = headers.find("\n" + name + ":");
  if (p == std::string::npos) return "";
  auto start = p + name.size() + 2;
  auto end = headers.find('\r', start);
  std::string v = headers.substr(start, end - start);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

}  // namespace

TEST_CASE("/v1 needs an API key - a tenant key sees its tenant - and over the rate is 429") {
  Dirs d("api");
  WorkerProcess w({"worker", "--config", kConfig},
                  workerEnv(d, {{"PARLEY_API_RATE_LIMIT_PER_MIN", "5"}}));
  auto port = w.waitReady();
  REQUIRE(port);
  auto none = httpRequest("GET", url(*port, "/v1/calls"));
  CHECK(none.status == 401);
  CHECK(headerValue(none.headers, "www-authenticate").find("bearer") == 0);  // lower-cased
  CHECK(httpRequest("GET", url(*port, "/v1/calls"), "", {"Authorization: Bearer nope"}).status ==
        401);
  auto mine =
      httpRequest("GET", url(*port, "/v1/calls"), "", {"Authorization: Bearer " + kTenantKey});
  CHECK(mine.status == 200);
  CHECK(json::parse(mine.body)["count"] == 0);
  CHECK(httpRequest("GET", url(*port, "/v1/calls?tenant=other"), "",
                    {"Authorization: Bearer " + kTenantKey})
            .status == 403);
  int limited = 0;
  std::string retryAfter;
  for (int i = 0; i < 6; ++i) {
    auto r = httpRequest("GET", url(*port, "/v1/calls/nope"), "",
                         {"Authorization: Bearer " + kAdminKey});
    if (r.status == 429) {
      ++limited;
      retryAfter = headerValue(r.headers, "retry-after");
    } else {
      CHECK(r.status == 404);
    }
  }
  CHECK(limited == 1);  // 5 per minute, burst 5
  CHECK(std::stoi(retryAfter) >= 1);
  // The page's endpoints stay open (the browser test page has no API key).
  CHECK(httpRequest("GET", url(*port, "/healthz")).status == 200);
  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
  expectNoSecrets(w.allOutput());
}

TEST_CASE("webhooks reach a receiver that fails 3 times - across a kill -9 of the worker") {
  Dirs d("hooks");
  std::atomic<int> seen{0};
  const int failFirst = 3;
  dialog::test::HttpTestServer rx([&](const dialog::test::HttpTestRequest&) {
    dialog::test::HttpTestResponse r;
    r.status = seen.fetch_add(1) < failFirst ? 500 : 204;
    return r;
  });
  std::ofstream(d.root / "webhooks.yaml")
      << "tenants:\n  demo:\n    url: " << rx.baseUrl() << "/hooks\n    secret_env: DEMO_HOOK\n";
  auto env =
      workerEnv(d, {{"DEMO_HOOK", kHookSecret}, {"PARLEY_WEBHOOKS_INITIAL_BACKOFF_MS", "3000"}});
  std::set<std::string> sent;
  std::string logs;
  {
    WorkerProcess w({"worker", "--config", kConfig}, env);
    auto port = w.waitReady();
    REQUIRE(port);
    for (int i = 0; i < 3; ++i) {
      auto r =
          httpRequest("POST", url(*port, "/v1/webhooks/test"), R"({"tenant":"demo"})",
                      {"Authorization: Bearer " + kAdminKey, "Content-Type: application/json"});
      REQUIRE(r.status == 202);
      sent.insert(json::parse(r.body)["event_id"].get<std::string>());
    }
    CHECK(httpRequest("POST", url(*port, "/v1/webhooks/test"), R"({"tenant":"nobody"})",
                      {"Authorization: Bearer " + kAdminKey})
              .status == 404);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (seen.load() < failFirst && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    REQUIRE(seen.load() >= failFirst);  // every first attempt failed with 500
    w.signal(SIGKILL);                  // no chance to flush anything
    w.waitExit(5s);
    logs += w.allOutput();
  }
  CHECK(seen.load() == failFirst);
  {
    WorkerProcess w({"worker", "--config", kConfig}, env);  // same data_dir: the outbox
    REQUIRE(w.waitReady());
    // Retries are due ~3 s after the failures; a loaded CI host may take much longer.
    auto deadline = std::chrono::steady_clock::now() + 45s;
    while (seen.load() < failFirst + 3 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(300ms);
    w.signal(SIGTERM);
    CHECK(w.waitExit(15s) == 0);
    logs += w.allOutput();
  }
  auto reqs = rx.requests();
  std::set<std::string> delivered;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const auto& r = reqs[i];
    CHECK(agent::verifySignature(kHookSecret, r.header("parley-signature"), r.body,
                                 std::chrono::system_clock::now()));
    auto body = json::parse(r.body);
    CHECK(body["type"] == "webhook.test");
    CHECK(body["tenant"] == "demo");
    CHECK(body["id"] == r.header("parley-event-id"));
    if (i >= static_cast<size_t>(failFirst)) delivered.insert(body["id"].get<std::string>());
  }
  CHECK(delivered == sent);
  expectNoSecrets(logs);
}

TEST_CASE("fleet webhooks on a redis stream: 3 failures and a kill -9 mid-delivery lose nothing") {
  test::RedisServer redis;
  Dirs da("hooks-a"), db("hooks-b");
  std::atomic<int> seen{0};
  const int failFirst = 3;
  // 500 for the first three, the fourth hangs (its worker is killed while waiting), then 204.
  dialog::test::HttpTestServer rx([&](const dialog::test::HttpTestRequest&) {
    dialog::test::HttpTestResponse r;
    int n = seen.fetch_add(1);
    r.status = n < failFirst ? 500 : n == failFirst ? 200 : 204;
    if (n == failFirst) r.ending = dialog::test::HttpTestResponse::Ending::Hang;
    return r;
  });
  for (const Dirs* d : {&da, &db})
    std::ofstream(d->root / "webhooks.yaml")
        << "tenants:\n  demo:\n    url: " << rx.baseUrl() << "/hooks\n    secret_env: DEMO_HOOK\n";
  auto env = [&](const Dirs& d, const std::string& id) {
    return workerEnv(d, {{"PARLEY_REDIS_URL", redis.url()},
                         {"PARLEY_FLEET_WORKER_ID", id},
                         {"DEMO_HOOK", kHookSecret},
                         {"PARLEY_WEBHOOKS_INITIAL_BACKOFF_MS", "500"},
                         {"PARLEY_WEBHOOKS_TIMEOUT_MS", "60000"},
                         {"PARLEY_WEBHOOKS_CLAIM_IDLE_MS", "1500"}});
  };
  std::map<std::string, std::unique_ptr<WorkerProcess>> workers;
  workers["worker-a"] = std::make_unique<WorkerProcess>(
      std::vector<std::string>{"worker", "--config", kConfig}, env(da, "worker-a"));
  workers["worker-b"] = std::make_unique<WorkerProcess>(
      std::vector<std::string>{"worker", "--config", kConfig}, env(db, "worker-b"));
  auto portA = workers["worker-a"]->waitReady();
  REQUIRE(portA);
  REQUIRE(workers["worker-b"]->waitReady());
  for (int i = 0; i < 100 && redis.cli("SCARD parley:workers") != "2"; ++i)
    std::this_thread::sleep_for(50ms);

  std::set<std::string> sent;
  for (int i = 0; i < 8; ++i) {
    auto r = httpRequest("POST", url(*portA, "/v1/webhooks/test"), R"({"tenant":"demo"})",
                         {"Authorization: Bearer " + kAdminKey, "Content-Type: application/json"});
    REQUIRE(r.status == 202);
    sent.insert(json::parse(r.body)["event_id"].get<std::string>());
  }
  // The hung delivery: exactly one entry left in a worker's pending list, the others are done or
  // waiting in the retry set. Whoever holds it is killed without a chance to say anything.
  std::string holder;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (holder.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    if (seen.load() <= failFirst) continue;
    std::string pending = redis.cli("XPENDING parley:webhooks webhooks");
    if (pending.rfind("1\n", 0) != 0) continue;
    for (const auto& [id, w] : workers)
      if (pending.find(id) != std::string::npos) holder = id;
  }
  INFO("requests seen: " << seen.load()
                         << ", XPENDING: " << redis.cli("XPENDING parley:webhooks webhooks")
                         << ", XLEN: " << redis.cli("XLEN parley:webhooks")
                         << ", groups: " << redis.cli("XINFO GROUPS parley:webhooks"));
  REQUIRE_MESSAGE(!holder.empty(), "no delivery hung in a worker's pending list");
  workers[holder]->signal(SIGKILL);
  workers[holder]->waitExit(5s);
  std::string logs = workers[holder]->allOutput();
  workers.erase(holder);
  WorkerProcess& survivor = *workers.begin()->second;

  auto delivered = [&] {
    std::set<std::string> ids;
    auto reqs = rx.requests();
    for (size_t i = failFirst + 1; i < reqs.size(); ++i)
      ids.insert(json::parse(reqs[i].body)["id"].get<std::string>());
    return ids;
  };
  deadline = std::chrono::steady_clock::now() + 45s;
  while (delivered() != sent && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  CHECK(delivered() == sent);
  for (const auto& r : rx.requests()) {
    CHECK(agent::verifySignature(kHookSecret, r.header("parley-signature"), r.body,
                                 std::chrono::system_clock::now()));
    auto body = json::parse(r.body);
    CHECK(body["id"] == r.header("parley-event-id"));
    CHECK(sent.count(body["id"].get<std::string>()) == 1);
  }
  // Nothing left anywhere: the stream, the dead worker's pending list, the retry set.
  for (int i = 0; i < 100 && redis.cli("XLEN parley:webhooks") != "0"; ++i)
    std::this_thread::sleep_for(50ms);
  CHECK(redis.cli("XLEN parley:webhooks") == "0");
  CHECK(redis.cli("ZCARD parley:webhooks:retry") == "0");
  CHECK(redis.cli("XPENDING parley:webhooks webhooks").rfind("0", 0) == 0);
  CHECK(redis.cli("XLEN parley:webhooks:dead") == "0");
  survivor.signal(SIGTERM);
  CHECK(survivor.waitExit(15s) == 0);
  logs += survivor.allOutput();
  CHECK(logs.find("took over webhook entry") != std::string::npos);
  expectNoSecrets(logs);
}

TEST_CASE(
    "redis AUTH: an ACL user joins the fleet - a refused password shows in /readyz without it") {
  test::RedisServer redis({kRedisAdminPass, "parley", kRedisUserPass});
  Dirs dOk("auth-ok"), dBad("auth-bad");
  const std::string where = "127.0.0.1:" + std::to_string(redis.port());
  WorkerProcess ok(
      {"worker", "--config", kConfig},
      workerEnv(dOk, {{"PARLEY_REDIS_URL", "redis://parley:" + kRedisUserPass + "@" + where},
                      {"PARLEY_FLEET_WORKER_ID", "worker-ok"}}));
  // The admin password is a real secret of this Redis, just not the ACL user's.
  WorkerProcess bad(
      {"worker", "--config", kConfig},
      workerEnv(dBad, {{"PARLEY_REDIS_URL", "redis://parley:" + kRedisAdminPass + "@" + where},
                       {"PARLEY_FLEET_WORKER_ID", "worker-bad"}}));
  auto portOk = ok.waitReady();
  auto portBad = bad.waitReady();
  REQUIRE(portOk);
  REQUIRE(portBad);
  for (int i = 0; i < 100 && redis.cli("SCARD parley:workers") != "1"; ++i)
    std::this_thread::sleep_for(50ms);
  CHECK(redis.cli("SMEMBERS parley:workers") == "worker-ok");
  CHECK(redis.cli("CLIENT LIST").find("user=parley") != std::string::npos);
  auto readyOk = httpRequest("GET", url(*portOk, "/readyz"));
  CHECK(readyOk.status == 200);
  CHECK(json::parse(readyOk.body)["components"]["redis"]["detail"] ==
        "connected to redis://parley@" + where);

  HttpResult readyBad;
  for (int i = 0; i < 100; ++i) {
    readyBad = httpRequest("GET", url(*portBad, "/readyz"));
    if (readyBad.status == 503) break;
    std::this_thread::sleep_for(50ms);
  }
  CHECK(readyBad.status == 503);
  auto redisState = json::parse(readyBad.body)["components"]["redis"];
  CHECK(redisState["ready"] == false);
  std::string detail = redisState["detail"];
  CHECK(detail.find("redis://parley@" + where) != std::string::npos);
  CHECK(detail.find("WRONGPASS") != std::string::npos);
  expectNoSecrets(readyBad.body);
  expectNoSecrets(httpRequest("GET", url(*portBad, "/metrics")).body);
  expectNoSecrets(httpRequest("GET", url(*portOk, "/metrics")).body);
  auto fleetView = httpRequest("GET", url(*portBad, "/v1/fleet/workers"), "",
                               {"Authorization: Bearer " + kAdminKey});
  expectNoSecrets(fleetView.body);
  ok.signal(SIGTERM);
  bad.signal(SIGTERM);
  CHECK(ok.waitExit(15s) == 0);
  CHECK(bad.waitExit(15s) == 0);
  std::string logs = ok.allOutput() + bad.allOutput();
  CHECK(logs.find("refused the user name or password") != std::string::npos);
  expectNoSecrets(logs);
}

TEST_CASE("at max_sessions the worker refuses calls: /readyz 503 - WHIP 503 + Retry-After") {
  Dirs d("admission");
  WorkerProcess w({"worker", "--config", kConfig},
                  workerEnv(d, {{"PARLEY_ADMISSION_MAX_SESSIONS", "0"},
                                {"PARLEY_ADMISSION_RETRY_AFTER_S", "9"}}));
  auto port = w.waitReady();
  REQUIRE(port);
  auto ready = httpRequest("GET", url(*port, "/readyz"));
  CHECK(ready.status == 503);
  auto comps = json::parse(ready.body)["components"];
  CHECK(comps["capacity"]["ready"] == false);
  CHECK(comps["capacity"]["detail"].get<std::string>().find("full") == 0);
  std::ifstream offerFile(std::string(PARLEY_SOURCE_DIR) +
                          "/tests/fixtures/webrtc/chromium-audio-offer.sdp");
  std::string offer((std::istreambuf_iterator<char>(offerFile)), std::istreambuf_iterator<char>());
  auto whip =
      httpRequest("POST", url(*port, "/whip/demo"), offer, {"Content-Type: application/sdp"});
  CHECK(whip.status == 503);
  CHECK(!headerValue(whip.headers, "retry-after").empty());
  auto metrics = httpRequest("GET", url(*port, "/metrics")).body;
  expectNoSecrets(metrics);
  CHECK(metrics.find(agent::toHex(agent::sha256(kAdminKey))) == std::string::npos);
  CHECK(metrics.find("parley_max_sessions 0") != std::string::npos);
  CHECK(metrics.find("parley_load ") != std::string::npos);
  CHECK(metrics.find("parley_active_sessions 0") != std::string::npos);
  CHECK(metrics.find("parley_availability_cache_lookups_total{result=\"hit\"} 0") !=
        std::string::npos);
  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
  expectNoSecrets(w.allOutput());
}

TEST_CASE("two workers and a redis: the full one names the other for WHIP - a dead one drops out") {
  test::RedisServer redis;
  Dirs da("fleet-a"), db("fleet-b");
  auto envA = workerEnv(da, {{"PARLEY_REDIS_URL", redis.url()},
                             {"PARLEY_FLEET_WORKER_ID", "worker-a"},
                             {"PARLEY_FLEET_HEARTBEAT_MS", "200"},
                             {"PARLEY_FLEET_TTL_MS", "2500"},
                             {"PARLEY_ADMISSION_MAX_SESSIONS", "0"}});
  auto envB = workerEnv(db, {{"PARLEY_REDIS_URL", redis.url()},
                             {"PARLEY_FLEET_WORKER_ID", "worker-b"},
                             {"PARLEY_FLEET_HEARTBEAT_MS", "200"},
                             {"PARLEY_FLEET_TTL_MS", "2500"}});
  WorkerProcess a({"worker", "--config", kConfig}, envA);
  WorkerProcess b({"worker", "--config", kConfig}, envB);
  auto portA = a.waitReady();
  auto portB = b.waitReady();
  REQUIRE(portA);
  REQUIRE(portB);
  const std::string urlB = "http://127.0.0.1:" + std::to_string(*portB);
  auto fleet = [&] {
    auto r = httpRequest("GET", url(*portA, "/v1/fleet/workers"), "",
                         {"Authorization: Bearer " + kAdminKey});
    return r.status == 200 ? json::parse(r.body) : json::object();
  };
  json view;
  for (int i = 0; i < 100; ++i) {
    view = fleet();
    if (view.value("redirect", "") == urlB) break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(view["self"] == "worker-a");
  CHECK(view["workers"].size() == 2);
  CHECK(view["redirect"] == urlB);
  CHECK(redis.cli("SCARD parley:workers") == "2");
  CHECK(httpRequest("GET", url(*portA, "/v1/fleet/workers"), "",
                    {"Authorization: Bearer " + kTenantKey})
            .status == 403);

  // The full worker refuses the WHIP offer: 307 to worker-b once the WHIP endpoint follows
  // WorkerContext::admitCall().redirectBaseUrl, 503 + Retry-After until then.
  std::ifstream offerFile(std::string(PARLEY_SOURCE_DIR) +
                          "/tests/fixtures/webrtc/chromium-audio-offer.sdp");
  std::string offer((std::istreambuf_iterator<char>(offerFile)), std::istreambuf_iterator<char>());
  auto whip =
      httpRequest("POST", url(*portA, "/whip/demo"), offer, {"Content-Type: application/sdp"});
  if (whip.status == 307) {
    CHECK(headerValue(whip.headers, "location").rfind(urlB + "/whip/demo", 0) == 0);
  } else {
    CHECK(whip.status == 503);
  }

  b.signal(SIGKILL);  // no goodbye: its entry must expire by itself
  b.waitExit(5s);
  for (int i = 0; i < 100; ++i) {
    view = fleet();
    if (view["workers"].size() == 1) break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(view["workers"].size() == 1);
  CHECK(view["redirect"] == "");
  a.signal(SIGTERM);
  CHECK(a.waitExit(15s) == 0);
  expectNoSecrets(a.allOutput() + b.allOutput());
}

TEST_CASE("campaigns go onto the fleet's outbound queue and report progress") {
  test::RedisServer redis;
  Dirs d("campaigns");
  WorkerProcess w({"worker", "--config", kConfig},
                  workerEnv(d, {{"PARLEY_REDIS_URL", redis.url()}}));
  auto port = w.waitReady();
  REQUIRE(port);
  // Wait for the worker's Redis connection (the registry lists it).
  for (int i = 0; i < 100 && redis.cli("SCARD parley:workers") != "1"; ++i)
    std::this_thread::sleep_for(50ms);
  const std::string body =
      R"({"tenant":"demo","leads":[{"name":"Ann","phone":"+14155550100"},{"name":"Bo","phone":"+14155550101"},
          {"name":"Cy","phone":"+14155550102","context":{"why":"recall"}}],"pacing":{"stagger_s":1}})";
  auto bad = httpRequest("POST", url(*port, "/v1/campaigns"),
                         R"({"tenant":"demo","leads":[{"phone":"x"}]})",
                         {"Authorization: Bearer " + kTenantKey});
  CHECK(bad.status == 400);
  CHECK(bad.body.find("leads[0].phone") != std::string::npos);
  CHECK(httpRequest("POST", url(*port, "/v1/campaigns"), body).status == 401);
  auto created = httpRequest("POST", url(*port, "/v1/campaigns"), body,
                             {"Authorization: Bearer " + kTenantKey});
  REQUIRE(created.status == 201);
  std::string id = json::parse(created.body)["campaign_id"];
  CHECK(redis.cli("XLEN parley:outbound") == "3");
  auto progress = httpRequest("GET", url(*port, "/v1/campaigns/" + id), "",
                              {"Authorization: Bearer " + kTenantKey});
  REQUIRE(progress.status == 200);
  auto p = json::parse(progress.body);
  CHECK(p["total"] == 3);
  CHECK(p["tenant"] == "demo");
  // No SIP dialer in this worker: it takes no job, everything stays queued.
  std::this_thread::sleep_for(700ms);
  p = json::parse(httpRequest("GET", url(*port, "/v1/campaigns/" + id), "",
                              {"Authorization: Bearer " + kAdminKey})
                      .body);
  CHECK(p["queued"] == 3);
  CHECK(p["started"] == 0);
  CHECK(httpRequest("GET", url(*port, "/v1/campaigns/cmp_nope"), "",
                    {"Authorization: Bearer " + kAdminKey})
            .status == 404);
  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
  expectNoSecrets(w.allOutput());
}

TEST_CASE("without redis - campaigns are refused with 503") {
  Dirs d("no-redis");
  WorkerProcess w({"worker", "--config", kConfig}, workerEnv(d, {}));
  auto port = w.waitReady();
  REQUIRE(port);
  auto r = httpRequest("POST", url(*port, "/v1/campaigns"),
                       R"({"tenant":"demo","leads":[{"phone":"+14155550100"}]})",
                       {"Authorization: Bearer " + kAdminKey});
  CHECK(r.status == 503);
  CHECK(r.body.find("redis") != std::string::npos);
  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
  expectNoSecrets(w.allOutput());
}
