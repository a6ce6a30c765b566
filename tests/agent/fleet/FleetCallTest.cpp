// A real phone call through the real worker (sipp plays a trunk with PCMA audio and a keypad
// digit, the local speech engines run the dialog): afterwards the call record is served by
// GET /v1/calls with its leg, numbers, times and transcript, and the tenant's webhook receiver got
// call.started and call.ended, signed. No secret appears in the worker's log.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <set>

#include "agent/api/ApiKeys.hpp"
#include "agent/webhooks/WebhookSignature.hpp"
#include "tests/agent/WorkerProcess.hpp"
#include "tests/agent/fleet/FleetTestSupport.hpp"
#include "tests/agent/fleet/RedisServer.hpp"
#include "tests/dialog/HttpTestServer.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kAdminKey = "adm-call-Zp3Qw8Rt5Yu1";
const std::string kHookSecret = "whsec-call-Mn7Bv2Cx9Lk4";
const std::string kDid = "+15550100100";  // config/tenants/demo.yaml

std::string url(int port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

/// Runs sipp as a trunk calling `target` ("127.0.0.1:port") with `scenario`; true if it passed.
bool sipp(const std::filesystem::path& dir, const std::string& target, const std::string& scenario,
          const std::string& extra = "") {
  int mediaPort = test::freeLoopbackPort(SOCK_DGRAM) & ~1;
  std::string cmd = "cd " + dir.string() + " && timeout 60 sipp " + target + " -sf " + scenario +
                    " -s " + kDid + " -i 127.0.0.1 -mi 127.0.0.1 -mp " + std::to_string(mediaPort) +
                    " -m 1 -l 1 -nostdin -timeout 40s -timeout_error " + extra +
                    " >> sipp.out 2>&1";
  return std::system(cmd.c_str()) == 0;
}

/// tests/fixtures/sip/invite_rejected.xml expecting `status`, written into `dir`.
std::string rejectedScenario(const std::filesystem::path& dir, int status) {
  std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/tests/fixtures/sip/invite_rejected.xml");
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t p; (p = xml.find("@STATUS@")) != std::string::npos;)
    xml.replace(p, 8, std::to_string(status));
  auto out = dir / ("rejected-" + std::to_string(status) + ".xml");
  std::ofstream(out) << xml;
  return out.string();
}

struct SipWorker {
  int sipPort = 0;
  std::unique_ptr<WorkerProcess> process;
  std::optional<int> http;
  /// `outbound`: YAML lines of the trunk's outbound side (indented 4), or "".
  SipWorker(const std::filesystem::path& dir, const std::string& name,
            std::map<std::string, std::string> extra, const std::string& outbound = "") {
    std::filesystem::create_directories(dir / name);
    std::ofstream(dir / name / "trunks.yaml")
        << "trunks:\n  - name: local\n    inbound:\n      allow: [\"127.0.0.1/32\"]\n"
        << outbound;
    // A port found free can be taken before the worker binds it (parallel tests): start again
    // on another one when SIP reports the address in use.
    for (int attempt = 0; attempt < 3; ++attempt) {
      sipPort = test::freeSipPort();
      start(dir, name, extra);
      if (http || process->allOutput().find("address in use") == std::string::npos) break;
    }
    if (!http) {
      std::string out = process->allOutput();
      MESSAGE("worker " << name << " did not start: "
                        << out.substr(out.size() > 3000 ? out.size() - 3000 : 0));
    }
  }
  void start(const std::filesystem::path& dir, const std::string& name,
             const std::map<std::string, std::string>& extra) {
    int rtpFirst = 32000 + ((getpid() + sipPort) % 1000) * 2;
    std::map<std::string, std::string> env = {
        {"PARLEY_HTTP_LISTEN", "127.0.0.1:0"},
        {"PARLEY_DATA_DIR", (dir / name / "data").string()},
        {"PARLEY_WORKERS_THREADS", "1"},
        {"PARLEY_TENANTS_DIR", std::string(PARLEY_SOURCE_DIR) + "/config/tenants"},
        {"PARLEY_LOG_FORMAT", "json"},
        {"PARLEY_SIP_ENABLED", "true"},
        {"PARLEY_SIP_LISTEN", "127.0.0.1:" + std::to_string(sipPort)},
        {"PARLEY_SIP_RTP_PORTS", std::to_string(rtpFirst) + "-" + std::to_string(rtpFirst + 99)},
        {"PARLEY_SIP_TRUNKS_FILE", (dir / name / "trunks.yaml").string()},
        {"PARLEY_API_ADMIN_KEY_SHA256", agent::toHex(agent::sha256(kAdminKey))}};
    for (auto& [k, v] : extra) env[k] = v;
    process = std::make_unique<WorkerProcess>(
        std::vector<std::string>{"worker", "--config",
                                 std::string(PARLEY_SOURCE_DIR) + "/config/parley.yaml"},
        env);
    http = process->waitReady(60s);
  }
  /// Waits for /readyz (the local speech engines load); on a timeout reports why.
  bool ready() {
    HttpResult r;
    for (int i = 0; http && i < 1200; ++i) {
      r = httpRequest("GET", url(*http, "/readyz"));
      if (r.status == 200) return true;
      std::this_thread::sleep_for(100ms);
    }
    std::string out = process->allOutput();
    MESSAGE("worker not ready: /readyz " << r.status << " " << r.body << "\nlog tail: "
                                         << out.substr(out.size() > 3000 ? out.size() - 3000 : 0));
    return false;
  }
  int calls() {
    auto r =
        httpRequest("GET", url(*http, "/v1/calls"), "", {"Authorization: Bearer " + kAdminKey});
    return r.status == 200 ? json::parse(r.body).value("count", -1) : -1;
  }
};

}  // namespace

TEST_CASE("a SIP call is recorded - served by /v1/calls and announced by signed webhooks") {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-fleet-call-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  dialog::test::HttpTestServer rx([](const dialog::test::HttpTestRequest&) {
    dialog::test::HttpTestResponse r;
    r.status = 200;
    return r;
  });
  std::ofstream(dir / "webhooks.yaml")
      << "tenants:\n  demo:\n    url: " << rx.baseUrl() << "/hooks\n    secret_env: DEMO_HOOK\n";
  std::ofstream(dir / "trunks.yaml")
      << "trunks:\n  - name: local\n    inbound:\n      allow: [\"127.0.0.1/32\"]\n";
  int sipPort = test::freeLoopbackPort(SOCK_DGRAM);
  int rtpFirst = 31000 + (getpid() % 1000) * 2;
  WorkerProcess w(
      {"worker", "--config", std::string(PARLEY_SOURCE_DIR) + "/config/parley.yaml"},
      {{"PARLEY_HTTP_LISTEN", "127.0.0.1:0"},
       {"PARLEY_DATA_DIR", (dir / "data").string()},
       {"PARLEY_WORKERS_THREADS", "1"},
       {"PARLEY_TENANTS_DIR", std::string(PARLEY_SOURCE_DIR) + "/config/tenants"},
       {"PARLEY_LOG_FORMAT", "json"},
       {"PARLEY_SIP_ENABLED", "true"},
       {"PARLEY_SIP_LISTEN", "127.0.0.1:" + std::to_string(sipPort)},
       {"PARLEY_SIP_RTP_PORTS", std::to_string(rtpFirst) + "-" + std::to_string(rtpFirst + 99)},
       {"PARLEY_SIP_TRUNKS_FILE", (dir / "trunks.yaml").string()},
       {"PARLEY_API_ADMIN_KEY_SHA256", agent::toHex(agent::sha256(kAdminKey))},
       {"PARLEY_WEBHOOKS_FILE", (dir / "webhooks.yaml").string()},
       {"DEMO_HOOK", kHookSecret}});
  auto port = w.waitReady(30s);
  REQUIRE(port);
  HttpResult ready;
  for (int i = 0; i < 1200 && ready.status != 200; ++i) {  // local speech engines load
    ready = httpRequest("GET", url(*port, "/readyz"));
    if (ready.status != 200) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(ready.status == 200);

  int mediaPort = test::freeLoopbackPort(SOCK_DGRAM) & ~1;
  std::string cmd = "cd " + dir.string() +
                    " && timeout 60 sipp 127.0.0.1:" + std::to_string(sipPort) + " -sf " +
                    PARLEY_SOURCE_DIR + "/tests/fixtures/sip/call_pcap_dtmf.xml -s " + kDid +
                    " -i 127.0.0.1 -mi 127.0.0.1 -mp " + std::to_string(mediaPort) +
                    " -m 1 -l 1 -nostdin -timeout 40s -timeout_error -d 3000 > sipp.out 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);

  json calls;
  for (int i = 0; i < 100; ++i) {
    auto r = httpRequest("GET", url(*port, "/v1/calls?tenant=demo"), "",
                         {"Authorization: Bearer " + kAdminKey});
    if (r.status == 200) calls = json::parse(r.body);
    if (calls.value("count", 0) >= 1) break;
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(calls.value("count", 0) == 1);
  json call = calls["calls"][0];
  CHECK(call["leg"] == "sip");
  CHECK(call["tenant"] == "demo");
  CHECK(call["callee"] == kDid);
  CHECK(call["caller"].get<std::string>().find("5557654321") != std::string::npos);
  CHECK(call["duration_s"].get<double>() > 1.0);
  CHECK(call["started_at"].get<std::string>() < call["ended_at"].get<std::string>());
  CHECK(call["transcript"].is_array());
  CHECK(call["turns"].is_array());
  auto one = httpRequest("GET", url(*port, "/v1/calls/" + call["id"].get<std::string>()), "",
                         {"Authorization: Bearer " + kAdminKey});
  CHECK(one.status == 200);
  CHECK(json::parse(one.body)["id"] == call["id"]);

  std::map<std::string, json> events;
  for (int i = 0; i < 100 && events.size() < 2; ++i) {
    for (const auto& req : rx.requests()) {
      CHECK(agent::verifySignature(kHookSecret, req.header("parley-signature"), req.body,
                                   std::chrono::system_clock::now()));
      auto e = json::parse(req.body);
      events[e["type"].get<std::string>()] = e;
    }
    if (events.size() < 2) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(events.count("call.started") == 1);
  REQUIRE(events.count("call.ended") == 1);
  CHECK(events["call.started"]["data"]["id"] == call["id"]);
  CHECK(events["call.ended"]["data"]["id"] == call["id"]);
  CHECK(events["call.ended"]["data"]["outcome"] == call["outcome"]);

  w.signal(SIGTERM);
  CHECK(w.waitExit(30s) == 0);
  std::string logs = w.allOutput();
  CHECK(logs.find(kAdminKey) == std::string::npos);
  CHECK(logs.find(kHookSecret) == std::string::npos);
  CHECK(logs.find(agent::toHex(agent::sha256(kAdminKey))) == std::string::npos);
}

TEST_CASE(
    "a full worker answers INVITE 503 and Kamailio's dispatcher sends the call to the other") {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-fleet-kam-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SipWorker full(dir, "full", {{"PARLEY_ADMISSION_MAX_SESSIONS", "0"}});
  SipWorker free(dir, "free", {});
  REQUIRE(full.http);
  REQUIRE(free.ready());
  // Straight to the full worker: 503 (admission.max_sessions).
  CHECK(sipp(dir, "127.0.0.1:" + std::to_string(full.sipPort), rejectedScenario(dir, 503)));

  if (!std::filesystem::exists("/usr/sbin/kamailio")) {
    MESSAGE("kamailio is not installed: the dispatcher part is skipped");
    return;
  }
  // config/kamailio as shipped, on a free port, with these two workers in its dispatcher list.
  int kamPort = test::freeLoopbackPort(SOCK_DGRAM);
  std::ifstream cfgIn(std::string(PARLEY_SOURCE_DIR) + "/config/kamailio/kamailio.cfg");
  std::string cfg((std::istreambuf_iterator<char>(cfgIn)), std::istreambuf_iterator<char>());
  auto replace = [&](const std::string& from, const std::string& to) {
    auto p = cfg.find(from);
    REQUIRE(p != std::string::npos);
    cfg.replace(p, from.size(), to);
  };
  replace("listen=udp:0.0.0.0:5060\nlisten=tcp:0.0.0.0:5060",
          "listen=udp:127.0.0.1:" + std::to_string(kamPort));
  replace("children=4", "children=1");
  replace("/etc/kamailio/dispatcher.list", (dir / "dispatcher.list").string());
  std::ofstream(dir / "kamailio.cfg") << cfg;
  std::ofstream(dir / "dispatcher.list")
      << "1 sip:127.0.0.1:" << full.sipPort << " 0 10 duid=full;maxload=10\n"
      << "1 sip:127.0.0.1:" << free.sipPort << " 0 0 duid=free;maxload=10\n";
  pid_t kam = fork();
  if (kam == 0) {
    std::string log = (dir / "kamailio.log").string();
    FILE* f = freopen(log.c_str(), "w", stderr);
    (void)f;
    execl("/usr/sbin/kamailio", "kamailio", "-f", (dir / "kamailio.cfg").c_str(), "-DD", "-E", "-w",
          dir.c_str(), "-Y", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(1500ms);
  // Two calls through the proxy: whichever worker the dispatcher tries first, both end on the
  // free worker (the full one answers 503 and the failure route tries the next).
  CHECK(sipp(dir, "127.0.0.1:" + std::to_string(kamPort),
             std::string(PARLEY_SOURCE_DIR) + "/tests/agent/fleet/call_via_proxy.xml", "-d 1000"));
  CHECK(sipp(dir, "127.0.0.1:" + std::to_string(kamPort),
             std::string(PARLEY_SOURCE_DIR) + "/tests/agent/fleet/call_via_proxy.xml", "-d 1000"));
  kill(kam, SIGTERM);
  waitpid(kam, nullptr, 0);
  int recorded = 0;
  for (int i = 0; i < 50 && recorded < 2; ++i) {
    recorded = free.calls();
    if (recorded < 2) std::this_thread::sleep_for(100ms);
  }
  CHECK(recorded == 2);
  CHECK(full.calls() == 0);
  // The dispatcher tried the full worker first (equal call load: the higher priority) and
  // failed over on its 503: besides the direct INVITE, it refused at least one more.
  std::string m = httpRequest("GET", url(*full.http, "/metrics")).body;
  auto p = m.find("parley_sip_invites_total{status=\"503\"} ");
  REQUIRE(p != std::string::npos);
  CHECK(std::stoi(m.substr(p + 38)) >= 2);
}

TEST_CASE("a campaign lead is dialled from the Redis queue through the SIP trunk and counted") {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-fleet-cmp-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  test::RedisServer redis;
  int trunkPort = test::freeLoopbackPort(SOCK_DGRAM);
  SipWorker w(
      dir, "w", {{"PARLEY_REDIS_URL", redis.url()}, {"PARLEY_FLEET_OUTBOUND_POLL_MS", "100"}},
      "    outbound:\n      uri: sip:127.0.0.1:" + std::to_string(trunkPort) +
          "\n      username: parley\n      password: secret\n      caller_id: \"" + kDid + "\"\n");
  REQUIRE(w.ready());
  // The "carrier": sipp answering one call (digest challenge, 200, BYE after ~10 s).
  int mediaPort = test::freeLoopbackPort(SOCK_DGRAM) & ~1;
  std::string uas = "cd " + dir.string() + " && timeout 90 sipp -sf " + PARLEY_SOURCE_DIR +
                    "/tests/fixtures/sip/uas_auth_answer.xml -p " + std::to_string(trunkPort) +
                    " -i 127.0.0.1 -mi 127.0.0.1 -mp " + std::to_string(mediaPort) +
                    " -m 1 -nostdin -timeout 60s -timeout_error > uas.out 2>&1";
  auto carrier = std::async(std::launch::async, [&] { return std::system(uas.c_str()); });
  std::this_thread::sleep_for(500ms);
  auto created = httpRequest("POST", url(*w.http, "/v1/campaigns"),
                             R"({"tenant":"demo","leads":[{"name":"Ada","phone":"+15551230001"}],
                                 "pacing":{"stagger_s":0,"hours":{"from":"00:00","to":"24:00"}}})",
                             {"Authorization: Bearer " + kAdminKey});
  REQUIRE(created.status == 201);
  std::string id = json::parse(created.body)["campaign_id"];
  CHECK(carrier.get() == 0);  // the call was placed, answered and hung up
  json p;
  for (int i = 0; i < 100; ++i) {
    p = json::parse(httpRequest("GET", url(*w.http, "/v1/campaigns/" + id), "",
                                {"Authorization: Bearer " + kAdminKey})
                        .body);
    if (p.value("finished", 0) == 1) break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(p["started"] == 1);
  CHECK(p["finished"] == 1);
  CHECK(p["ended"] == 1);
  CHECK(redis.cli("XPENDING parley:outbound workers").rfind("0", 0) == 0);  // acknowledged
  CHECK(w.calls() == 1);                                                    // and recorded
  // The trunk's digest password ("secret", what the sipp carrier checks) and the API key never
  // reach the worker's log.
  std::string logs = w.process->allOutput();
  CHECK_FALSE(test::containsToken(logs, "secret"));
  CHECK(logs.find(kAdminKey) == std::string::npos);
}

TEST_CASE(
    "two workers share 20 campaign calls - one is killed mid-way - every lead is dialled once") {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-fleet-20-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  test::RedisServer redis;
  int trunkPort = test::freeLoopbackPort(SOCK_DGRAM);
  std::string outbound = "    outbound:\n      uri: sip:127.0.0.1:" + std::to_string(trunkPort) +
                         "\n      username: parley\n      password: secret\n      caller_id: \"" +
                         kDid + "\"\n";
  std::map<std::string, std::string> env = {{"PARLEY_REDIS_URL", redis.url()},
                                            {"PARLEY_FLEET_OUTBOUND_POLL_MS", "100"},
                                            {"PARLEY_FLEET_OUTBOUND_CLAIM_IDLE_MS", "3000"},
                                            {"PARLEY_ADMISSION_MAX_SESSIONS", "3"}};
  env["PARLEY_FLEET_WORKER_ID"] = "a";
  SipWorker a(dir, "a", env, outbound);
  env["PARLEY_FLEET_WORKER_ID"] = "b";
  SipWorker b(dir, "b", env, outbound);
  REQUIRE(a.ready());
  REQUIRE(b.ready());
  int mediaPort = test::freeLoopbackPort(SOCK_DGRAM) & ~1;
  // The carrier: one sipp answering up to 20 calls; its pid is ours to stop at the end.
  std::string uas = "cd " + dir.string() + " && exec sipp -sf " + PARLEY_SOURCE_DIR +
                    "/tests/fixtures/sip/uas_auth_answer.xml -p " + std::to_string(trunkPort) +
                    " -i 127.0.0.1 -mi 127.0.0.1 -mp " + std::to_string(mediaPort) +
                    " -m 20 -nostdin -timeout 200s -trace_msg -message_file carrier.log "
                    "> uas.out 2>&1";
  pid_t carrier = fork();
  if (carrier == 0) {
    execl("/bin/sh", "sh", "-c", uas.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(500ms);
  json leads = json::array();
  for (int i = 0; i < 20; ++i) leads.push_back({{"phone", "+155512301" + std::to_string(10 + i)}});
  json req = {{"tenant", "demo"},
              {"leads", leads},
              {"pacing",
               {{"stagger_s", 0},
                {"calls_per_minute", 1000},
                {"hours", {{"from", "00:00"}, {"to", "24:00"}}}}}};
  auto created = httpRequest("POST", url(*b.http, "/v1/campaigns"), req.dump(),
                             {"Authorization: Bearer " + kAdminKey});
  REQUIRE(created.status == 201);
  std::string id = json::parse(created.body)["campaign_id"];
  auto progress = [&] {
    auto r = httpRequest("GET", url(*b.http, "/v1/campaigns/" + id), "",
                         {"Authorization: Bearer " + kAdminKey});
    return r.status == 200 ? json::parse(r.body) : json::object();
  };
  // Kill worker a while it has calls up.
  for (int i = 0; i < 600 && redis.cli("KEYS parley:job:*").find("\n") == std::string::npos; ++i)
    std::this_thread::sleep_for(100ms);
  std::this_thread::sleep_for(3s);
  a.process->signal(SIGKILL);
  a.process->waitExit(5s);
  json p;
  for (int i = 0; i < 2400; ++i) {  // ≤ 240 s: 20 calls of ~12 s, 3 at a time on b
    p = progress();
    if (p.value("started", 0) == 20 &&
        redis.cli("XPENDING parley:outbound workers").rfind("0", 0) == 0 && b.process &&
        httpRequest("GET", url(*b.http, "/readyz")).status == 200)
      break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(p["started"] == 20);  // every job started exactly once (SET NX on its job id)
  std::string starters = redis.cli("KEYS parley:job:*");
  CHECK(std::count(starters.begin(), starters.end(), '\n') == 19);  // 20 keys
  kill(carrier, SIGTERM);
  waitpid(carrier, nullptr, 0);
  // The carrier saw each lead's number in exactly one call (one Call-ID per number).
  std::ifstream log(dir / "carrier.log");
  std::string line, number;
  std::map<std::string, std::set<std::string>> callsPer;
  while (std::getline(log, line)) {
    if (line.rfind("INVITE sip:", 0) == 0) number = line.substr(11, 12);
    if (!number.empty() && line.rfind("Call-ID:", 0) == 0) {
      callsPer[number].insert(line.substr(8));
      number.clear();
    }
  }
  CHECK(callsPer.size() == 20);
  for (const auto& [n, ids] : callsPer)
    CHECK_MESSAGE(ids.size() == 1, n << " dialled " << ids.size() << " times");
  MESSAGE("campaign progress after the kill: " << p.dump());
  std::string logs = a.process->allOutput() + b.process->allOutput();
  CHECK_FALSE(test::containsToken(logs, "secret"));  // the trunk's digest password
  CHECK(logs.find(kAdminKey) == std::string::npos);
}
