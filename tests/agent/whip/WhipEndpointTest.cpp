// The WHIP endpoint of a real `parley worker` on loopback (RFC 9725 semantics, issue 8): every
// refusal status with its reason, bearer tokens per tenant, capacity, and the live event
// stream of a call read over a plain socket while the session produces events.
#include <curl/curl.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "../RawHttpClient.hpp"
#include "../WorkerProcess.hpp"
#include "ScriptedBrowser.hpp"
#include "core/LoopThread.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kConfig = std::string(PARLEY_SOURCE_DIR) + "/config/parley.yaml";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A real Chromium audio offer (tests/fixtures/webrtc).
std::string chromiumOffer() {
  return readFile(std::string(PARLEY_SOURCE_DIR) +
                  "/tests/fixtures/webrtc/chromium-audio-offer.sdp");
}

/// The offer without the lines that start with `prefix`.
std::string withoutLines(const std::string& sdp, const std::string& prefix) {
  std::istringstream in(sdp);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) != 0) out += line + "\n";
  return out;
}

const std::vector<std::string> kSdp = {"Content-Type: application/sdp"};

std::vector<std::string> sdpWith(const std::string& header) {
  return {kSdp[0], header};
}

std::string errorMessage(const HttpResult& r) {
  try {
    return nlohmann::json::parse(r.body).at("error").at("message").get<std::string>();
  } catch (const std::exception&) {
    return "";
  }
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

TEST_CASE("WHIP refuses unusable offers with the RFC 9725 statuses and a reason") {
  WorkerProcess w({"worker", "--config", kConfig}, workerTestEnv("errors"));
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  const std::string endpoint = loopbackUrl(*port, "/whip/demo");
  const std::string offer = chromiumOffer();
  REQUIRE(offer.find("a=rtpmap:111 opus/48000/2") != std::string::npos);

  SUBCASE("404 for an unknown tenant") {
    auto r = httpRequest("POST", loopbackUrl(*port, "/whip/nobody"), offer, kSdp);
    CHECK(r.status == 404);
    CHECK(errorMessage(r).find("nobody") != std::string::npos);
  }
  SUBCASE("415 for a content type other than application/sdp") {
    auto r = httpRequest("POST", endpoint, offer, {"Content-Type: text/plain"});
    CHECK(r.status == 415);
    CHECK(errorMessage(r).find("application/sdp") != std::string::npos);
    CHECK(httpRequest("POST", endpoint, offer, {}).status == 415);
    // Parameters after the media type are fine (the type is compared case-insensitively).
    auto ok =
        httpRequest("POST", endpoint, "v=0\r\n", {"Content-Type: Application/SDP; charset=utf-8"});
    CHECK(ok.status != 415);
  }
  SUBCASE("400 for malformed SDP, with the reason in the body") {
    auto r = httpRequest("POST", endpoint, "hello, not SDP", kSdp);
    CHECK(r.status == 400);
    CHECK(errorMessage(r).find("not 'x=value'") != std::string::npos);
    auto noV = httpRequest("POST", endpoint, "s=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", kSdp);
    CHECK(noV.status == 400);
    CHECK(errorMessage(noV).find("v=0") != std::string::npos);
    auto empty = httpRequest("POST", endpoint, "", kSdp);
    CHECK(empty.status == 400);
    CHECK_FALSE(errorMessage(empty).empty());
    auto badM = httpRequest("POST", endpoint, "v=0\r\nm=audio\r\n", kSdp);
    CHECK(badM.status == 400);
    CHECK(errorMessage(badM).find("m= line") != std::string::npos);
  }
  SUBCASE("406 when the offer has no usable audio") {
    auto noOpus = httpRequest("POST", endpoint, withoutLines(offer, "a=rtpmap:111 "), kSdp);
    CHECK(noOpus.status == 406);
    CHECK(errorMessage(noOpus).find("opus") != std::string::npos);
    auto noFp = httpRequest("POST", endpoint, withoutLines(offer, "a=fingerprint:"), kSdp);
    CHECK(noFp.status == 406);
    CHECK(errorMessage(noFp).find("fingerprint") != std::string::npos);
    auto noMux = httpRequest("POST", endpoint, withoutLines(offer, "a=rtcp-mux"), kSdp);
    CHECK(noMux.status == 406);
    CHECK(errorMessage(noMux).find("rtcp-mux") != std::string::npos);
    auto noAudio = httpRequest(
        "POST", endpoint,
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
        kSdp);
    CHECK(noAudio.status == 406);
    CHECK(errorMessage(noAudio).find("audio") != std::string::npos);
    // Every refusal carries CORS headers, so the page can read the reason.
    CHECK(noMux.header("access-control-allow-origin") == "*");
  }
  SUBCASE("413 for a body larger than http.max_body_bytes") {
    auto r = httpRequest("POST", endpoint, offer + std::string(100 * 1024, 'a'), kSdp);
    CHECK(r.status == 413);
    CHECK(errorMessage(r).find("larger than") != std::string::npos);
  }
  SUBCASE("OPTIONS answers the CORS preflight without a token") {
    auto r = httpRequest("OPTIONS", endpoint, "",
                         {"Origin: http://example.test", "Access-Control-Request-Method: POST"});
    CHECK(r.status == 204);
    CHECK(r.header("access-control-allow-origin") == "*");
    CHECK(r.header("access-control-allow-methods").find("POST") != std::string::npos);
    CHECK(r.header("access-control-allow-headers").find("Authorization") != std::string::npos);
    CHECK(r.header("access-control-expose-headers").find("Location") != std::string::npos);
    CHECK(r.header("accept-post") == "application/sdp");
    auto session = httpRequest("OPTIONS", loopbackUrl(*port, "/whip/demo/wrtc-x"), "", {});
    CHECK(session.status == 204);
  }
  SUBCASE("DELETE of an unknown session is 404; other methods are 405") {
    auto r = httpRequest("DELETE", loopbackUrl(*port, "/whip/demo/wrtc-doesnotexist"));
    CHECK(r.status == 404);
    CHECK(httpRequest("DELETE", loopbackUrl(*port, "/whip/nobody/wrtc-doesnotexist")).status ==
          404);
    auto get = httpRequest("GET", endpoint);
    CHECK(get.status == 405);
    CHECK(get.header("allow").find("POST") != std::string::npos);
    CHECK(httpRequest("GET", loopbackUrl(*port, "/v1/sessions/wrtc-nope/events")).status == 404);
  }

  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(10s) == 0, w.allOutput());
}

TEST_CASE("bearer tokens: a tenant's own token wins, the worker-wide one is the fallback") {
  // Two tenants from the demo file: "locked" has its own token (from the environment), "open"
  // has none and so falls back to webrtc.bearer_token.
  const std::string dir = freshTempDir("tokens-tenants");
  std::filesystem::create_directories(dir);
  const std::string demo = readFile(std::string(PARLEY_SOURCE_DIR) + "/config/tenants/demo.yaml");
  auto variant = [&](const std::string& id, const std::string& did, const std::string& token) {
    std::string t = demo;
    t.replace(t.find("id: demo"), 8, "id: " + id);
    t.replace(t.find("+15550100100"), 12, did);
    t.replace(t.find("\"${PARLEY_DEMO_WHIP_TOKEN:-}\""), 29, token);
    t.replace(t.find("bookings-demo.sqlite"), 20, "bookings-" + id + ".sqlite");
    std::ofstream(dir + "/" + id + ".yaml") << t;
  };
  variant("locked", "+15550100101", "\"${TEST_LOCKED_TOKEN}\"");
  variant("open", "+15550100102", "\"\"");
  auto env = workerTestEnv("tokens");
  env["PARLEY_TENANTS_DIR"] = dir;
  env["TEST_LOCKED_TOKEN"] = "tenant-Secret-123";
  env["PARLEY_WEBRTC_BEARER_TOKEN"] = "worker-Secret-456";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitUntilReady(*port).status == 200);
  const std::string offer = chromiumOffer();
  const std::string locked = loopbackUrl(*port, "/whip/locked"),
                    open = loopbackUrl(*port, "/whip/open");

  auto none = httpRequest("POST", locked, offer, kSdp);
  CHECK(none.status == 401);
  CHECK(none.header("www-authenticate") == "Bearer realm=\"parley\"");
  CHECK(errorMessage(none) == "missing bearer token");
  auto wrong =
      httpRequest("POST", locked, offer, sdpWith("Authorization: Bearer tenant-Secret-124"));
  CHECK(wrong.status == 401);
  CHECK(wrong.header("www-authenticate").find("invalid_token") != std::string::npos);
  // The worker-wide token does not open a tenant that has its own.
  CHECK(httpRequest("POST", locked, offer, sdpWith("Authorization: Bearer worker-Secret-456"))
            .status == 401);
  CHECK(httpRequest("POST", locked, offer, sdpWith("Authorization: Basic dGVuYW50")).status == 401);
  // 401 comes before looking at the body: a stranger learns nothing about offers.
  CHECK(httpRequest("POST", locked, "garbage", kSdp).status == 401);

  auto good =
      httpRequest("POST", locked, offer, sdpWith("Authorization: Bearer tenant-Secret-123"));
  REQUIRE(good.status == 201);
  const std::string location = good.header("location");
  REQUIRE(location.rfind("/whip/locked/wrtc-", 0) == 0);
  // DELETE needs the token too (RFC 9725: every request but the CORS preflight).
  CHECK(httpRequest("DELETE", loopbackUrl(*port, location)).status == 401);
  CHECK(httpRequest("DELETE", loopbackUrl(*port, location), "",
                    {"Authorization: Bearer tenant-Secret-123"})
            .status == 200);

  CHECK(httpRequest("POST", open, offer, kSdp).status == 401);
  CHECK(
      httpRequest("POST", open, offer, sdpWith("Authorization: Bearer tenant-Secret-123")).status ==
      401);
  auto fallback =
      httpRequest("POST", open, offer, sdpWith("Authorization: bearer worker-Secret-456"));
  CHECK(fallback.status == 201);
  CHECK(httpRequest("DELETE", loopbackUrl(*port, fallback.header("location")), "",
                    {"Authorization: Bearer worker-Secret-456"})
            .status == 200);

  // The page learns which tenants need a token, never the token.
  auto tenants = httpRequest("GET", loopbackUrl(*port, "/v1/tenants"));
  REQUIRE(tenants.status == 200);
  auto j = nlohmann::json::parse(tenants.body);
  for (const auto& t : j.at("tenants")) CHECK(t.at("auth").get<bool>());
  CHECK(tenants.body.find("Secret") == std::string::npos);

  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(15s) == 0, w.allOutput());
  // Secrets never reach the log.
  const std::string log = w.allOutput();
  CHECK(log.find("tenant-Secret-123") == std::string::npos);
  CHECK(log.find("worker-Secret-456") == std::string::npos);
  CHECK(log.find("refused: wrong bearer token") != std::string::npos);
}

TEST_CASE("at capacity WHIP answers 503 with Retry-After until a call ends") {
  auto env = workerTestEnv("capacity");
  env["PARLEY_WEBRTC_MAX_SESSIONS"] = "1";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitUntilReady(*port).status == 200);
  const std::string endpoint = loopbackUrl(*port, "/whip/demo");
  const std::string offer = chromiumOffer();

  auto first = httpRequest("POST", endpoint, offer, kSdp);
  REQUIRE(first.status == 201);
  CHECK(first.header("content-type") == "application/sdp");
  CHECK(first.body.find("a=ice-lite") != std::string::npos);
  CHECK(first.body.find("a=fingerprint:sha-256 ") != std::string::npos);
  const std::string location = first.header("location");

  auto busy = httpRequest("POST", endpoint, offer, kSdp);
  CHECK(busy.status == 503);
  CHECK(busy.header("retry-after") == "5");
  CHECK(errorMessage(busy).find("capacity") != std::string::npos);

  REQUIRE(httpRequest("DELETE", loopbackUrl(*port, location)).status == 200);
  // The call ends on its media loop; then there is room again.
  long status = 0;
  for (int i = 0; i < 100 && status != 201; ++i) {
    std::this_thread::sleep_for(50ms);
    auto again = httpRequest("POST", endpoint, offer, kSdp);
    status = again.status;
    if (status == 201) httpRequest("DELETE", loopbackUrl(*port, again.header("location")));
  }
  CHECK(status == 201);
  // An ended call's session URL is gone.
  CHECK(httpRequest("DELETE", loopbackUrl(*port, location)).status == 404);

  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(15s) == 0, w.allOutput());
}

TEST_CASE("worker-wide admission refusals reach WHIP with their reason and Retry-After") {
  auto env = workerTestEnv("admission");
  env["PARLEY_ADMISSION_MAX_SESSIONS"] = "0";  // full from the start; no fleet to redirect to
  env["PARLEY_ADMISSION_RETRY_AFTER_S"] = "7";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  auto r = httpRequest("POST", loopbackUrl(*port, "/whip/demo"), chromiumOffer(), kSdp);
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "7");
  CHECK(errorMessage(r).find("full") != std::string::npos);
  CHECK(errorMessage(r).find("admission.max_sessions") != std::string::npos);
  // A bad offer is still the client's error, whatever the load.
  CHECK(httpRequest("POST", loopbackUrl(*port, "/whip/demo"), "junk", kSdp).status == 400);
  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(15s) == 0, w.allOutput());
}

TEST_CASE("a call's events stream live over SSE and the stream ends with the call") {
  WorkerProcess w({"worker", "--config", kConfig}, workerTestEnv("sse"));
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitUntilReady(*port).status == 200);

  auto post = httpRequest("POST", loopbackUrl(*port, "/whip/demo"), chromiumOffer(), kSdp);
  REQUIRE(post.status == 201);
  const std::string id = post.header("x-parley-session");
  REQUIRE(id.rfind("wrtc-", 0) == 0);
  CHECK(post.header("link").find("/v1/sessions/" + id + "/events") != std::string::npos);
  const std::string eventsPath = "/v1/sessions/" + id + "/events";

  RawHttpClient live(*port);
  live.get(eventsPath);
  REQUIRE_MESSAGE(live.waitFor("event: call\n", 5000ms), live.data());
  const std::string head = lower(live.data().substr(0, live.data().find("\r\n\r\n")));
  CHECK(head.rfind("http/1.1 200", 0) == 0);
  CHECK(head.find("content-type: text/event-stream") != std::string::npos);
  CHECK(head.find("content-length") == std::string::npos);
  CHECK(live.data().find("retry: ") != std::string::npos);
  CHECK(live.data().find("\"tenant\":\"demo\"") != std::string::npos);
  // A second client resuming after event 1 (an EventSource reconnecting) gets only later ones.
  RawHttpClient resumed(*port);
  resumed.get(eventsPath, "Last-Event-ID: 1\r\n");
  REQUIRE(resumed.waitFor("retry: ", 5000ms));
  // The session starts on its media loop just after the answer.
  double active = 0;
  for (int i = 0; i < 100 && active != 1; ++i) {
    active = metricValue(*port, "parley_active_sessions");
    if (active != 1) std::this_thread::sleep_for(20ms);
  }
  CHECK(active == 1);

  // The session produces its last event when the call is hung up: it is pushed at once.
  std::this_thread::sleep_for(300ms);
  CHECK(live.data().find("event: ended") == std::string::npos);
  const auto t0 = Clock::now();
  REQUIRE(httpRequest("DELETE", loopbackUrl(*port, "/whip/demo/" + id)).status == 200);
  REQUIRE_MESSAGE(live.waitFor("event: ended\n", 5000ms), live.data());
  const double pushMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  MESSAGE("DELETE → 'ended' event on the stream: " << pushMs << " ms");
  CHECK(pushMs < 2000);
  CHECK(live.waitEof(3000ms));  // the stream ends with the session
  CHECK(resumed.waitFor("event: ended\n", 3000ms));
  CHECK(resumed.waitEof(3000ms));
  CHECK(resumed.data().find("event: call\n") == std::string::npos);
  // Ids increase by one in stream order.
  CHECK(live.data().find("id: 1\nevent: call\n") != std::string::npos);

  // After the end: a snapshot with ?once=1 (the old polling shape), and a stream that replays
  // everything and closes at once.
  auto once = httpRequest("GET", loopbackUrl(*port, eventsPath + "?once=1"));
  CHECK(once.status == 200);
  CHECK(once.header("content-type") == "text/event-stream");
  CHECK(once.body.find("event: call\n") != std::string::npos);
  CHECK(once.body.find("event: ended\n") != std::string::npos);
  auto after = httpRequest("GET", loopbackUrl(*port, eventsPath + "?once=1&after=1"));
  CHECK(after.body.find("event: call\n") == std::string::npos);
  RawHttpClient late(*port);
  late.get(eventsPath);
  CHECK(late.waitEof(3000ms));
  CHECK(late.data().find("event: ended\n") != std::string::npos);

  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(15s) == 0, w.allOutput());
}

TEST_CASE("open event streams end when the worker stops") {
  WorkerProcess w({"worker", "--config", kConfig}, workerTestEnv("sse-stop"));
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitUntilReady(*port).status == 200);
  auto post = httpRequest("POST", loopbackUrl(*port, "/whip/demo"), chromiumOffer(), kSdp);
  REQUIRE(post.status == 201);
  RawHttpClient live(*port);
  live.get("/v1/sessions/" + post.header("x-parley-session") + "/events");
  REQUIRE(live.waitFor("event: call\n", 5000ms));
  // The session counts once it started on its media loop (just after the "call" event).
  for (int i = 0; i < 100 && metricValue(*port, "parley_active_sessions") != 1; ++i)
    std::this_thread::sleep_for(20ms);
  REQUIRE(metricValue(*port, "parley_active_sessions") == 1);
  w.signal(SIGINT);  // stop now, cutting the call short (exit code 1)
  CHECK(live.waitEof(10000ms));
  CHECK(w.waitExit(15s) == 1);
}

namespace {

/// The value of the first "a=<attr>:" line of an SDP ("" if none).
std::string sdpAttr(const std::string& sdp, const std::string& attr) {
  std::smatch m;
  std::regex re("a=" + attr + ":([^\r\n]+)");
  return std::regex_search(sdp, m, re) ? m[1].str() : "";
}

/// The UDP port of the answer's host candidate, 0 if none.
int candidatePort(const std::string& sdp) {
  std::smatch m;
  std::regex re(R"(a=candidate:\S+ 1 udp \d+ \S+ (\d+) typ host)");
  return std::regex_search(sdp, m, re) ? std::stoi(m[1].str()) : 0;
}

/// The Chromium offer with `fingerprint` (a=fingerprint:sha-256 value) instead of Chromium's.
std::string offerWithFingerprint(const std::string& fingerprint) {
  std::string offer = chromiumOffer();
  const std::string from = "a=fingerprint:sha-256 ";
  const size_t at = offer.find(from);
  const size_t eol = offer.find("\r\n", at);
  offer.replace(at + from.size(), eol - at - from.size(), fingerprint);
  return offer;
}

}  // namespace

TEST_CASE("browser calls spread over the media loops and run the real dialog there") {
  auto env = workerTestEnv("loops");
  env["PARLEY_WORKERS_THREADS"] = "2";  // webrtc.port stays 0: a socket per media loop
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitUntilReady(*port).status == 200);
  const std::string endpoint = loopbackUrl(*port, "/whip/demo");

  // A first call that never connects holds media-0 ...
  auto first = httpRequest("POST", endpoint, chromiumOffer(), kSdp);
  REQUIRE(first.status == 201);
  const int firstPort = candidatePort(first.body);

  // ... so the next one, from a scripted browser, goes to media-1 with its own port.
  core::LoopThread browserLoop("browser");
  auto cert = media::DtlsCertificate::generate();
  auto second =
      httpRequest("POST", endpoint, offerWithFingerprint(cert->fingerprintSha256()), kSdp);
  REQUIRE(second.status == 201);
  const int secondPort = candidatePort(second.body);
  MESSAGE("candidate ports: " << firstPort << " and " << secondPort);
  CHECK(firstPort > 0);
  CHECK(secondPort > 0);
  CHECK(firstPort != secondPort);
  const std::string id = second.header("x-parley-session");
  RawHttpClient events(*port);
  events.get("/v1/sessions/" + id + "/events");

  std::unique_ptr<ScriptedBrowser> browser;
  std::promise<void> made;
  browserLoop.post([&] {
    browser = std::make_unique<ScriptedBrowser>(
        browserLoop.loop(),
        *core::SocketAddress::fromHostPort("127.0.0.1", static_cast<uint16_t>(secondPort)),
        sdpAttr(second.body, "ice-ufrag"), sdpAttr(second.body, "ice-pwd"),
        sdpAttr(chromiumOffer(), "ice-ufrag"), cert, sdpAttr(second.body, "fingerprint").substr(8),
        111);
    browser->start();
    made.set_value();
  });
  made.get_future().wait();

  // ICE, DTLS, then the agent's greeting reaches the browser as loud Opus frames, and the
  // session's events arrive live on the stream.
  const auto t0 = Clock::now();
  bool heard = false;
  while (!heard && Clock::now() - t0 < 30s) {
    heard = browser->dtlsUp && browser->loudFramesReceived > 25;
    std::this_thread::sleep_for(50ms);
  }
  MESSAGE("ice " << browser->iceOk.load() << " dtls " << browser->dtlsUp.load() << " rtp in "
                 << browser->rtpReceived.load() << " loud " << browser->loudFramesReceived.load()
                 << " rtp out " << browser->rtpSent.load());
  CHECK(heard);
  CHECK(events.waitFor("event: connected\n", 5000ms));
  CHECK(events.waitFor("\"state\":\"agent_speaking\"", 5000ms));
  CHECK(events.data().find("\"dtls\":\"connected\"") != std::string::npos);

  REQUIRE(httpRequest("DELETE", loopbackUrl(*port, second.header("location"))).status == 200);
  REQUIRE_MESSAGE(events.waitFor("event: ended\n", 5000ms), events.data());
  CHECK(events.waitEof(3000ms));
  // The ended event counts the caller's packets the worker received on media-1's socket.
  std::smatch m;
  const std::string all = events.data();
  REQUIRE(std::regex_search(all, m, std::regex(R"re("rtpReceived":(\d+))re")));
  MESSAGE("worker received " << m[1].str() << " RTP packets from the browser");
  CHECK(std::stoi(m[1].str()) > 25);
  httpRequest("DELETE", loopbackUrl(*port, first.header("location")));

  std::promise<void> gone;
  browserLoop.post([&] {
    browser.reset();
    gone.set_value();
  });
  gone.get_future().wait();
  browserLoop.stop();
  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(15s) == 0, w.allOutput());
}

TEST_CASE("a fixed webrtc.port is one socket: every answer names it") {
  // A free UDP port, released for the worker to take.
  int probe = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  const int fixed = ntohs(a.sin_port);
  ::close(probe);

  auto env = workerTestEnv("fixed-port");
  env["PARLEY_WORKERS_THREADS"] = "2";
  env["PARLEY_WEBRTC_PORT"] = std::to_string(fixed);
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitUntilReady(*port).status == 200);
  std::vector<std::string> locations;
  for (int i = 0; i < 3; ++i) {
    auto r = httpRequest("POST", loopbackUrl(*port, "/whip/demo"), chromiumOffer(), kSdp);
    REQUIRE(r.status == 201);
    CHECK(candidatePort(r.body) == fixed);
    locations.push_back(r.header("location"));
  }
  for (const auto& l : locations) CHECK(httpRequest("DELETE", loopbackUrl(*port, l)).status == 200);
  w.signal(SIGTERM);
  CHECK_MESSAGE(w.waitExit(15s) == 0, w.allOutput());
}
