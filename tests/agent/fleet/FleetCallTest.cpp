// A real phone call through the real worker (sipp plays a trunk with PCMA audio and a keypad
// digit, the local speech engines run the dialog): afterwards the call record is served by
// GET /v1/calls with its leg, numbers, times and transcript, and the tenant's webhook receiver got
// call.started and call.ended, signed. No secret appears in the worker's log.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/api/ApiKeys.hpp"
#include "agent/webhooks/WebhookSignature.hpp"
#include "tests/agent/WorkerProcess.hpp"
#include "tests/dialog/HttpTestServer.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kAdminKey = "adm-call-Zp3Qw8Rt5Yu1";
const std::string kHookSecret = "whsec-call-Mn7Bv2Cx9Lk4";
const std::string kDid = "+15550100100";  // config/tenants/demo.yaml

int freePort(int type) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string url(int port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

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
  int sipPort = freePort(SOCK_DGRAM);
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

  int mediaPort = freePort(SOCK_DGRAM) & ~1;
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
