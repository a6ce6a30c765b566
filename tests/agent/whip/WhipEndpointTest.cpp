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

#include "../WorkerProcess.hpp"
#include "ScriptedBrowser.hpp"
#include "core/LoopThread.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kConfig = std::string(PARLEY_SOURCE_DIR) + "/config/parley.yaml";

std::string tempDir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("parley-whip-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

std::map<std::string, std::string> baseEnv(const std::string& name) {
  return {{"PARLEY_HTTP_LISTEN", "127.0.0.1:0"},
          {"PARLEY_DATA_DIR", tempDir(name) + "/data"},
          {"PARLEY_WORKERS_THREADS", "2"},
          {"PARLEY_TENANTS_DIR", std::string(PARLEY_SOURCE_DIR) + "/config/tenants"},
          {"PARLEY_LOG_FORMAT", "json"}};
}

std::string url(int port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

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

size_t appendTo(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

/// One HTTP request with libcurl, keeping header values as sent (session ids are
/// case-sensitive; WorkerProcess's httpRequest lower-cases the header block).
HttpResult request(const std::string& method, const std::string& url, const std::string& body = {},
                   const std::vector<std::string>& headers = {}) {
  HttpResult r;
  CURL* c = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, appendTo);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, appendTo);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return r;
}

/// Header value (name matched case-insensitively), "" if absent.
std::string headerValue(const HttpResult& r, const std::string& name) {
  std::istringstream in(r.headers);
  std::string line;
  while (std::getline(in, line)) {
    if (lower(line).rfind(name + ":", 0) != 0) continue;
    std::string v = line.substr(name.size() + 1);
    while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
    return v;
  }
  return "";
}

HttpResult waitReadyz(int port) {
  HttpResult r;
  for (int i = 0; i < 1200; ++i) {
    r = request("GET", url(port, "/readyz"));
    if (r.status == 200) break;
    std::this_thread::sleep_for(50ms);
  }
  return r;
}

/// The metric's value in /metrics ("name value" line), -1 if absent.
double metric(int port, const std::string& name) {
  auto m = request("GET", url(port, "/metrics"));
  std::istringstream in(m.body);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

/// A plain TCP client for the event stream: sends one GET and reads as bytes arrive.
class StreamClient {
 public:
  StreamClient(int port, const std::string& path, const std::string& extraHeaders = "") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                            "Accept: text/event-stream\r\n" + extraHeaders + "\r\n";
    REQUIRE(::write(fd_, req.data(), req.size()) == ssize_t(req.size()));
  }
  ~StreamClient() { ::close(fd_); }
  bool waitFor(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (data_.find(text) == std::string::npos)
      if (eof_ || !readSome(deadline)) return false;
    return true;
  }
  bool waitEof(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!eof_)
      if (!readSome(deadline)) return eof_;
    return true;
  }
  const std::string& data() const { return data_; }

 private:
  bool readSome(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    data_.append(buf, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string data_;
  bool eof_ = false;
};

}  // namespace

TEST_CASE("WHIP refuses unusable offers with the RFC 9725 statuses and a reason") {
  WorkerProcess w({"worker", "--config", kConfig}, baseEnv("errors"));
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  const std::string endpoint = url(*port, "/whip/demo");
  const std::string offer = chromiumOffer();
  REQUIRE(offer.find("a=rtpmap:111 opus/48000/2") != std::string::npos);

  SUBCASE("404 for an unknown tenant") {
    auto r = request("POST", url(*port, "/whip/nobody"), offer, kSdp);
    CHECK(r.status == 404);
    CHECK(errorMessage(r).find("nobody") != std::string::npos);
  }
  SUBCASE("415 for a content type other than application/sdp") {
    auto r = request("POST", endpoint, offer, {"Content-Type: text/plain"});
    CHECK(r.status == 415);
    CHECK(errorMessage(r).find("application/sdp") != std::string::npos);
    CHECK(request("POST", endpoint, offer, {}).status == 415);
    // Parameters after the media type are fine (the type is compared case-insensitively).
    auto ok =
        request("POST", endpoint, "v=0\r\n", {"Content-Type: Application/SDP; charset=utf-8"});
    CHECK(ok.status != 415);
  }
  SUBCASE("400 for malformed SDP, with the reason in the body") {
    auto r = request("POST", endpoint, "hello, not SDP", kSdp);
    CHECK(r.status == 400);
    CHECK(errorMessage(r).find("not 'x=value'") != std::string::npos);
    auto noV = request("POST", endpoint, "s=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", kSdp);
    CHECK(noV.status == 400);
    CHECK(errorMessage(noV).find("v=0") != std::string::npos);
    auto empty = request("POST", endpoint, "", kSdp);
    CHECK(empty.status == 400);
    CHECK_FALSE(errorMessage(empty).empty());
    auto badM = request("POST", endpoint, "v=0\r\nm=audio\r\n", kSdp);
    CHECK(badM.status == 400);
    CHECK(errorMessage(badM).find("m= line") != std::string::npos);
  }
  SUBCASE("406 when the offer has no usable audio") {
    auto noOpus = request("POST", endpoint, withoutLines(offer, "a=rtpmap:111 "), kSdp);
    CHECK(noOpus.status == 406);
    CHECK(errorMessage(noOpus).find("opus") != std::string::npos);
    auto noFp = request("POST", endpoint, withoutLines(offer, "a=fingerprint:"), kSdp);
    CHECK(noFp.status == 406);
    CHECK(errorMessage(noFp).find("fingerprint") != std::string::npos);
    auto noMux = request("POST", endpoint, withoutLines(offer, "a=rtcp-mux"), kSdp);
    CHECK(noMux.status == 406);
    CHECK(errorMessage(noMux).find("rtcp-mux") != std::string::npos);
    auto noAudio = request(
        "POST", endpoint,
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
        kSdp);
    CHECK(noAudio.status == 406);
    CHECK(errorMessage(noAudio).find("audio") != std::string::npos);
    // Every refusal carries CORS headers, so the page can read the reason.
    CHECK(headerValue(noMux, "access-control-allow-origin") == "*");
  }
  SUBCASE("413 for a body larger than http.max_body_bytes") {
    auto r = request("POST", endpoint, offer + std::string(100 * 1024, 'a'), kSdp);
    CHECK(r.status == 413);
    CHECK(errorMessage(r).find("larger than") != std::string::npos);
  }
  SUBCASE("OPTIONS answers the CORS preflight without a token") {
    auto r = request("OPTIONS", endpoint, "",
                     {"Origin: http://example.test", "Access-Control-Request-Method: POST"});
    CHECK(r.status == 204);
    CHECK(headerValue(r, "access-control-allow-origin") == "*");
    CHECK(headerValue(r, "access-control-allow-methods").find("POST") != std::string::npos);
    CHECK(headerValue(r, "access-control-allow-headers").find("Authorization") !=
          std::string::npos);
    CHECK(headerValue(r, "access-control-expose-headers").find("Location") != std::string::npos);
    CHECK(headerValue(r, "accept-post") == "application/sdp");
    auto session = request("OPTIONS", url(*port, "/whip/demo/wrtc-x"), "", {});
    CHECK(session.status == 204);
  }
  SUBCASE("DELETE of an unknown session is 404; other methods are 405") {
    auto r = request("DELETE", url(*port, "/whip/demo/wrtc-doesnotexist"));
    CHECK(r.status == 404);
    CHECK(request("DELETE", url(*port, "/whip/nobody/wrtc-doesnotexist")).status == 404);
    auto get = request("GET", endpoint);
    CHECK(get.status == 405);
    CHECK(headerValue(get, "allow").find("POST") != std::string::npos);
    CHECK(request("GET", url(*port, "/v1/sessions/wrtc-nope/events")).status == 404);
  }

  w.signal(SIGTERM);
  CHECK(w.waitExit(10s) == 0);
}

TEST_CASE("bearer tokens: a tenant's own token wins, the worker-wide one is the fallback") {
  // Two tenants from the demo file: "locked" has its own token (from the environment), "open"
  // has none and so falls back to webrtc.bearer_token.
  const std::string dir = tempDir("tokens-tenants");
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
  auto env = baseEnv("tokens");
  env["PARLEY_TENANTS_DIR"] = dir;
  env["TEST_LOCKED_TOKEN"] = "tenant-Secret-123";
  env["PARLEY_WEBRTC_BEARER_TOKEN"] = "worker-Secret-456";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitReadyz(*port).status == 200);
  const std::string offer = chromiumOffer();
  const std::string locked = url(*port, "/whip/locked"), open = url(*port, "/whip/open");

  auto none = request("POST", locked, offer, kSdp);
  CHECK(none.status == 401);
  CHECK(headerValue(none, "www-authenticate") == "Bearer realm=\"parley\"");
  CHECK(errorMessage(none) == "missing bearer token");
  auto wrong = request("POST", locked, offer, sdpWith("Authorization: Bearer tenant-Secret-124"));
  CHECK(wrong.status == 401);
  CHECK(headerValue(wrong, "www-authenticate").find("invalid_token") != std::string::npos);
  // The worker-wide token does not open a tenant that has its own.
  CHECK(request("POST", locked, offer, sdpWith("Authorization: Bearer worker-Secret-456")).status ==
        401);
  CHECK(request("POST", locked, offer, sdpWith("Authorization: Basic dGVuYW50")).status == 401);
  // 401 comes before looking at the body: a stranger learns nothing about offers.
  CHECK(request("POST", locked, "garbage", kSdp).status == 401);

  auto good = request("POST", locked, offer, sdpWith("Authorization: Bearer tenant-Secret-123"));
  REQUIRE(good.status == 201);
  const std::string location = headerValue(good, "location");
  REQUIRE(location.rfind("/whip/locked/wrtc-", 0) == 0);
  // DELETE needs the token too (RFC 9725: every request but the CORS preflight).
  CHECK(request("DELETE", url(*port, location)).status == 401);
  CHECK(request("DELETE", url(*port, location), "", {"Authorization: Bearer tenant-Secret-123"})
            .status == 200);

  CHECK(request("POST", open, offer, kSdp).status == 401);
  CHECK(request("POST", open, offer, sdpWith("Authorization: Bearer tenant-Secret-123")).status ==
        401);
  auto fallback = request("POST", open, offer, sdpWith("Authorization: bearer worker-Secret-456"));
  CHECK(fallback.status == 201);
  CHECK(request("DELETE", url(*port, headerValue(fallback, "location")), "",
                {"Authorization: Bearer worker-Secret-456"})
            .status == 200);

  // The page learns which tenants need a token, never the token.
  auto tenants = request("GET", url(*port, "/v1/tenants"));
  REQUIRE(tenants.status == 200);
  auto j = nlohmann::json::parse(tenants.body);
  for (const auto& t : j.at("tenants")) CHECK(t.at("auth").get<bool>());
  CHECK(tenants.body.find("Secret") == std::string::npos);

  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
  // Secrets never reach the log.
  const std::string log = w.allOutput();
  CHECK(log.find("tenant-Secret-123") == std::string::npos);
  CHECK(log.find("worker-Secret-456") == std::string::npos);
  CHECK(log.find("refused: wrong bearer token") != std::string::npos);
}

TEST_CASE("at capacity WHIP answers 503 with Retry-After until a call ends") {
  auto env = baseEnv("capacity");
  env["PARLEY_WEBRTC_MAX_SESSIONS"] = "1";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitReadyz(*port).status == 200);
  const std::string endpoint = url(*port, "/whip/demo");
  const std::string offer = chromiumOffer();

  auto first = request("POST", endpoint, offer, kSdp);
  REQUIRE(first.status == 201);
  CHECK(headerValue(first, "content-type") == "application/sdp");
  CHECK(first.body.find("a=ice-lite") != std::string::npos);
  CHECK(first.body.find("a=fingerprint:sha-256 ") != std::string::npos);
  const std::string location = headerValue(first, "location");

  auto busy = request("POST", endpoint, offer, kSdp);
  CHECK(busy.status == 503);
  CHECK(headerValue(busy, "retry-after") == "5");
  CHECK(errorMessage(busy).find("capacity") != std::string::npos);

  REQUIRE(request("DELETE", url(*port, location)).status == 200);
  // The call ends on its media loop; then there is room again.
  long status = 0;
  for (int i = 0; i < 100 && status != 201; ++i) {
    std::this_thread::sleep_for(50ms);
    auto again = request("POST", endpoint, offer, kSdp);
    status = again.status;
    if (status == 201) request("DELETE", url(*port, headerValue(again, "location")));
  }
  CHECK(status == 201);
  // An ended call's session URL is gone.
  CHECK(request("DELETE", url(*port, location)).status == 404);

  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
}

TEST_CASE("worker-wide admission refusals reach WHIP with their reason and Retry-After") {
  auto env = baseEnv("admission");
  env["PARLEY_ADMISSION_MAX_SESSIONS"] = "0";  // full from the start; no fleet to redirect to
  env["PARLEY_ADMISSION_RETRY_AFTER_S"] = "7";
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  auto r = request("POST", url(*port, "/whip/demo"), chromiumOffer(), kSdp);
  CHECK(r.status == 503);
  CHECK(headerValue(r, "retry-after") == "7");
  CHECK(errorMessage(r).find("full") != std::string::npos);
  CHECK(errorMessage(r).find("admission.max_sessions") != std::string::npos);
  // A bad offer is still the client's error, whatever the load.
  CHECK(request("POST", url(*port, "/whip/demo"), "junk", kSdp).status == 400);
  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
}

TEST_CASE("a call's events stream live over SSE and the stream ends with the call") {
  WorkerProcess w({"worker", "--config", kConfig}, baseEnv("sse"));
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitReadyz(*port).status == 200);

  auto post = request("POST", url(*port, "/whip/demo"), chromiumOffer(), kSdp);
  REQUIRE(post.status == 201);
  const std::string id = headerValue(post, "x-parley-session");
  REQUIRE(id.rfind("wrtc-", 0) == 0);
  CHECK(headerValue(post, "link").find("/v1/sessions/" + id + "/events") != std::string::npos);
  const std::string eventsPath = "/v1/sessions/" + id + "/events";

  StreamClient live(*port, eventsPath);
  REQUIRE_MESSAGE(live.waitFor("event: call\n", 5000ms), live.data());
  const std::string head = lower(live.data().substr(0, live.data().find("\r\n\r\n")));
  CHECK(head.rfind("http/1.1 200", 0) == 0);
  CHECK(head.find("content-type: text/event-stream") != std::string::npos);
  CHECK(head.find("content-length") == std::string::npos);
  CHECK(live.data().find("retry: ") != std::string::npos);
  CHECK(live.data().find("\"tenant\":\"demo\"") != std::string::npos);
  // A second client resuming after event 1 (an EventSource reconnecting) gets only later ones.
  StreamClient resumed(*port, eventsPath, "Last-Event-ID: 1\r\n");
  REQUIRE(resumed.waitFor("retry: ", 5000ms));
  // The session starts on its media loop just after the answer.
  double active = 0;
  for (int i = 0; i < 100 && active != 1; ++i) {
    active = metric(*port, "parley_active_sessions");
    if (active != 1) std::this_thread::sleep_for(20ms);
  }
  CHECK(active == 1);

  // The session produces its last event when the call is hung up: it is pushed at once.
  std::this_thread::sleep_for(300ms);
  CHECK(live.data().find("event: ended") == std::string::npos);
  const auto t0 = Clock::now();
  REQUIRE(request("DELETE", url(*port, "/whip/demo/" + id)).status == 200);
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
  auto once = request("GET", url(*port, eventsPath + "?once=1"));
  CHECK(once.status == 200);
  CHECK(headerValue(once, "content-type") == "text/event-stream");
  CHECK(once.body.find("event: call\n") != std::string::npos);
  CHECK(once.body.find("event: ended\n") != std::string::npos);
  auto after = request("GET", url(*port, eventsPath + "?once=1&after=1"));
  CHECK(after.body.find("event: call\n") == std::string::npos);
  StreamClient late(*port, eventsPath);
  CHECK(late.waitEof(3000ms));
  CHECK(late.data().find("event: ended\n") != std::string::npos);

  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
}

TEST_CASE("open event streams end when the worker stops") {
  WorkerProcess w({"worker", "--config", kConfig}, baseEnv("sse-stop"));
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitReadyz(*port).status == 200);
  auto post = request("POST", url(*port, "/whip/demo"), chromiumOffer(), kSdp);
  REQUIRE(post.status == 201);
  StreamClient live(*port, "/v1/sessions/" + headerValue(post, "x-parley-session") + "/events");
  REQUIRE(live.waitFor("event: call\n", 5000ms));
  // The session counts once it started on its media loop (just after the "call" event).
  for (int i = 0; i < 100 && metric(*port, "parley_active_sessions") != 1; ++i)
    std::this_thread::sleep_for(20ms);
  REQUIRE(metric(*port, "parley_active_sessions") == 1);
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
  auto env = baseEnv("loops");
  env["PARLEY_WORKERS_THREADS"] = "2";  // webrtc.port stays 0: a socket per media loop
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitReadyz(*port).status == 200);
  const std::string endpoint = url(*port, "/whip/demo");

  // A first call that never connects holds media-0 ...
  auto first = request("POST", endpoint, chromiumOffer(), kSdp);
  REQUIRE(first.status == 201);
  const int firstPort = candidatePort(first.body);

  // ... so the next one, from a scripted browser, goes to media-1 with its own port.
  core::LoopThread browserLoop("browser");
  auto cert = media::DtlsCertificate::generate();
  auto second = request("POST", endpoint, offerWithFingerprint(cert->fingerprintSha256()), kSdp);
  REQUIRE(second.status == 201);
  const int secondPort = candidatePort(second.body);
  MESSAGE("candidate ports: " << firstPort << " and " << secondPort);
  CHECK(firstPort > 0);
  CHECK(secondPort > 0);
  CHECK(firstPort != secondPort);
  const std::string id = headerValue(second, "x-parley-session");
  StreamClient events(*port, "/v1/sessions/" + id + "/events");

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

  REQUIRE(request("DELETE", url(*port, headerValue(second, "location"))).status == 200);
  REQUIRE_MESSAGE(events.waitFor("event: ended\n", 5000ms), events.data());
  CHECK(events.waitEof(3000ms));
  // The ended event counts the caller's packets the worker received on media-1's socket.
  std::smatch m;
  const std::string all = events.data();
  REQUIRE(std::regex_search(all, m, std::regex(R"re("rtpReceived":(\d+))re")));
  MESSAGE("worker received " << m[1].str() << " RTP packets from the browser");
  CHECK(std::stoi(m[1].str()) > 25);
  request("DELETE", url(*port, headerValue(first, "location")));

  std::promise<void> gone;
  browserLoop.post([&] {
    browser.reset();
    gone.set_value();
  });
  gone.get_future().wait();
  browserLoop.stop();
  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
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

  auto env = baseEnv("fixed-port");
  env["PARLEY_WORKERS_THREADS"] = "2";
  env["PARLEY_WEBRTC_PORT"] = std::to_string(fixed);
  WorkerProcess w({"worker", "--config", kConfig}, env);
  auto port = w.waitReady();
  REQUIRE_MESSAGE(port, w.allOutput());
  REQUIRE(waitReadyz(*port).status == 200);
  std::vector<std::string> locations;
  for (int i = 0; i < 3; ++i) {
    auto r = request("POST", url(*port, "/whip/demo"), chromiumOffer(), kSdp);
    REQUIRE(r.status == 201);
    CHECK(candidatePort(r.body) == fixed);
    locations.push_back(headerValue(r, "location"));
  }
  for (const auto& l : locations) CHECK(request("DELETE", url(*port, l)).status == 200);
  w.signal(SIGTERM);
  CHECK(w.waitExit(15s) == 0);
}
