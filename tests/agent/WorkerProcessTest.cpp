// Runs the real `parley` binary as a child process and talks HTTP to it over loopback.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "WorkerProcess.hpp"

using namespace parley::test;
using namespace std::chrono_literals;

namespace {

const std::string kConfig = std::string(PARLEY_SOURCE_DIR) + "/config/parley.yaml";

// Sends raw bytes on a TCP connection and returns whatever comes back before close/timeout.
std::string rawExchange(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    (void)!write(fd, bytes.data(), bytes.size());
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace

TEST_CASE("parley --version and help") {
  WorkerProcess v({"--version"}, {});
  CHECK(v.waitExit(5s) == 0);
  CHECK(v.allOutput().find("parley 0.1.0") != std::string::npos);
  WorkerProcess h({"help"}, {});
  CHECK(h.waitExit(5s) == 0);
  CHECK(h.allOutput().find("worker") != std::string::npos);
  WorkerProcess bad({"worker", "--no-such-flag"}, {});
  CHECK(bad.waitExit(5s) == 2);
}

TEST_CASE("the worker serves /healthz, /readyz and /metrics") {
  WorkerProcess w({"worker", "--config", kConfig}, workerTestEnv("endpoints"));
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());

  auto health = httpRequest("GET", loopbackUrl(*port, "/healthz"));
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");

  auto ready = waitUntilReady(*port);
  CHECK(ready.status == 200);
  CHECK(ready.body.find("\"status\":\"ready\"") != std::string::npos);

  auto metrics = httpRequest("GET", loopbackUrl(*port, "/metrics"));
  CHECK(metrics.status == 200);
  CHECK(metrics.headers.find("text/plain; version=0.0.4") != std::string::npos);
  // Every line is a comment or `name{labels} value` (Prometheus text format 0.0.4).
  std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$)");
  std::istringstream lines(metrics.body);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    CHECK_MESSAGE(std::regex_match(line, sample), line);
    ++samples;
  }
  CHECK(samples > 10);
  for (const char* name :
       {"parley_build_info{version=\"0.1.0\"} 1", "process_cpu_seconds_total ",
        "process_resident_memory_bytes ", "process_open_fds ",
        "parley_loop_lag_seconds_bucket{loop=\"media-0\"",
        "parley_loop_lag_seconds_bucket{loop=\"control\"", "parley_active_sessions 0"})
    CHECK_MESSAGE(metrics.body.find(name) != std::string::npos, name);

  auto head = httpRequest("HEAD", loopbackUrl(*port, "/healthz"));
  CHECK(head.status == 200);
  CHECK(head.body.empty());

  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(10s) == 0, w.allOutput());
}

TEST_CASE("bad requests get clear statuses and never crash the worker") {
  auto env = workerTestEnv("bad");
  env["PARLEY_HTTP_MAX_BODY_BYTES"] = "4096";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());

  auto notFound = httpRequest("GET", loopbackUrl(*port, "/nope"));
  CHECK(notFound.status == 404);
  CHECK(notFound.body.find("\"status\":404") != std::string::npos);

  auto wrongMethod =
      httpRequest("POST", loopbackUrl(*port, "/healthz"), "{}", {"Content-Type: application/json"});
  CHECK(wrongMethod.status == 405);
  CHECK(wrongMethod.headers.find("allow: get") != std::string::npos);

  auto del = httpRequest("DELETE", loopbackUrl(*port, "/metrics"));
  CHECK(del.status == 405);

  auto tooLarge = httpRequest("POST", loopbackUrl(*port, "/healthz"), std::string(100 * 1024, 'x'),
                              {"Content-Type: application/octet-stream"});
  CHECK(tooLarge.status == 413);

  // Headers beyond http.max_header_bytes: refused (431) or the connection is closed.
  auto hugeHeader = httpRequest("GET", loopbackUrl(*port, "/healthz"), {},
                                {"X-Junk: " + std::string(20 * 1024, 'a')});
  CHECK((hugeHeader.status == 431 || hugeHeader.status == 0 || hugeHeader.status == 400));

  // Garbage that is not HTTP at all, a truncated request, binary noise.
  rawExchange(*port, "GARBAGE\r\n\r\n");
  rawExchange(*port, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Le");
  rawExchange(*port, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  std::string lying =
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n" + std::string(5000, 'y');
  rawExchange(*port, lying);

  CHECK(w.running());
  CHECK(httpRequest("GET", loopbackUrl(*port, "/healthz")).status == 200);
  auto metrics = httpRequest("GET", loopbackUrl(*port, "/metrics"));
  CHECK(metrics.body.find("parley_http_requests_total{code=\"4xx\"}") != std::string::npos);
  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(10s) == 0, w.allOutput());
}

TEST_CASE("SIGTERM drains: /readyz flips to 503 first, then exit 0") {
  auto env = workerTestEnv("drain");
  env["PARLEY_DRAIN_GRACE_S"] = "1.5";
  env["PARLEY_DRAIN_TIMEOUT_S"] = "5";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  CHECK(waitUntilReady(*port).status == 200);
  w.signal(SIGTERM);
  HttpResult r;
  for (int i = 0; i < 100; ++i) {
    r = httpRequest("GET", loopbackUrl(*port, "/readyz"));
    if (r.status == 503) break;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(r.status == 503);
  CHECK(r.body.find("\"status\":\"draining\"") != std::string::npos);
  CHECK(r.headers.find("retry-after") != std::string::npos);
  CHECK(httpRequest("GET", loopbackUrl(*port, "/healthz")).status == 200);  // alive while draining
  CHECK_MESSAGE(w.waitExit(10s) == 0, w.allOutput());
  CHECK(w.allOutput().find("\"msg\":\"stopped\"") != std::string::npos);
}

TEST_CASE("a second signal stops at once") {
  auto env = workerTestEnv("second");
  env["PARLEY_DRAIN_GRACE_S"] = "60";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  REQUIRE_MESSAGE(w.waitReady(), w.allOutput());
  w.signal(SIGTERM);
  std::this_thread::sleep_for(100ms);
  CHECK(w.running());  // still in its drain grace period
  w.signal(SIGINT);
  // Well inside the 60 s drain grace: the second signal cut it short. Not tighter: the stop
  // waits for a speech model still loading in the background (~1 s; several under ASan -O0).
  CHECK(w.waitExit(30s) == 0);
}

TEST_CASE("config errors exit 2 naming the key and the line") {
  auto dir = freshTempDir("config");
  std::ofstream(dir + "/bad.yaml") << "http:\n  lisen: 127.0.0.1:0\n";
  WorkerProcess unknown({"worker", "--config", dir + "/bad.yaml"}, {});
  CHECK(unknown.waitExit(5s) == 2);
  CHECK(unknown.allOutput().find("bad.yaml:2: http.lisen: unknown key") != std::string::npos);

  std::ofstream(dir + "/type.yaml") << "workers:\n  threads: lots\n";
  WorkerProcess type({"worker", "--config", dir + "/type.yaml"}, {});
  CHECK(type.waitExit(5s) == 2);
  CHECK(type.allOutput().find("type.yaml:2: workers.threads: must be an integer") !=
        std::string::npos);

  WorkerProcess range({"worker", "--config", kConfig}, {{"PARLEY_DRAIN_TIMEOUT_S", "-5"}});
  CHECK(range.waitExit(5s) == 2);
  CHECK(range.allOutput().find("env PARLEY_DRAIN_TIMEOUT_S: drain_timeout_s: out of range") !=
        std::string::npos);

  WorkerProcess missing({"worker", "--config", dir + "/nope.yaml"}, {});
  CHECK(missing.waitExit(5s) == 2);
}

TEST_CASE("a subsystem's config error after the HTTP server started exits 2, no crash") {
  // The SIP trunks file is read when the SIP subsystem starts, after the HTTP server and the
  // media loops: its error must unwind them cleanly (this once ended in SIGSEGV).
  auto dir = freshTempDir("subsystem-config-trunks");
  std::ofstream(dir + "/trunks.yaml")
      << "trunks:\n  - name: pbx\n    inbound:\n      allow: [\"127.0.0.1/32\"]\n"
         "      digest: {username: office, password_env: PARLEY_TEST_UNSET_TRUNK_PASSWORD}\n";
  auto env = workerTestEnv("subsystem-config");
  env["PARLEY_SIP_ENABLED"] = "true";
  env["PARLEY_SIP_LISTEN"] = "127.0.0.1:0";
  env["PARLEY_SIP_TRUNKS_FILE"] = dir + "/trunks.yaml";
  // Under ASan this child also proves the unwind frees what the subsystems built before the
  // failure (the WebRTC sockets on the media loops): a leak report would turn exit 2 into 1.
  WorkerProcess w({"worker", "--config", kConfig}, env);
  CHECK(w.waitExit(60s) == 2);  // bounded by the local speech model's load (slow under ASan)
  CHECK_MESSAGE(
      w.allOutput().find("PARLEY_TEST_UNSET_TRUNK_PASSWORD is not set") != std::string::npos,
      w.allOutput());
}

TEST_CASE("a port already in use is a clear start failure (exit 1)") {
  WorkerProcess first({"worker", "--config", kConfig}, workerTestEnv("port1"));
  auto port = first.waitReady();
  REQUIRE_MESSAGE(port, first.allOutput());
  auto env = workerTestEnv("port2");
  env["PARLEY_HTTP_LISTEN"] = "127.0.0.1:" + std::to_string(*port);
  WorkerProcess second({"worker", "--config", kConfig}, env);
  // It fails instead of running; the bound is the local speech model's load, which a stop waits
  // for (several seconds under ASan -O0).
  CHECK(second.waitExit(60s) == 1);
  CHECK(second.allOutput().find("cannot start") != std::string::npos);
  first.signal(SIGTERM);
  CHECK(first.waitExit(30s) == 0);
}
