#include "agent/whip/WhipSubsystem.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "agent/http/BearerAuth.hpp"
#include "agent/whip/CallEvents.hpp"
#include "agent/whip/WebRtcCall.hpp"
#include "core/Error.hpp"
#include "core/Log.hpp"
#include "core/SecureRandom.hpp"
#include "media/Pacer.hpp"
#include "media/webrtc/DtlsCertificate.hpp"
#include "media/webrtc/Sdp.hpp"
#include "media/webrtc/WebRtcServer.hpp"
#include "tools/TenantLoader.hpp"

namespace parley::agent {
namespace {

/// Seconds a client should wait before retrying a call refused for capacity or drain.
constexpr int kRetryAfterS = 5;
/// How soon an EventSource reconnects after its stream drops (SSE "retry:"), ms.
constexpr int kSseRetryMs = 1000;
/// An SSE comment this often keeps an idle event stream open through proxies, ms.
constexpr int kSseKeepAliveMs = 15000;
/// ICE credentials: RFC 8839 §5.4 wants ≥ 24 bits of ufrag and ≥ 128 bits of password
/// randomness; 8 and 32 characters from a 62-letter alphabet give 47 and 190 bits.
constexpr size_t kUfragChars = 8;
constexpr size_t kPwdChars = 32;
/// Ended calls whose event log is kept so the page can read the final events.
constexpr size_t kKeptEndedCalls = 64;

/// The value of `name` in a query string "a=1&b=2" ("" if absent; no percent-decoding: the
/// parameters used here are numbers and flags).
std::string queryParam(const std::string& query, const std::string& name) {
  size_t i = 0;
  while (i <= query.size()) {
    size_t amp = query.find('&', i);
    if (amp == std::string::npos) amp = query.size();
    const std::string part = query.substr(i, amp - i);
    const size_t eq = part.find('=');
    if (part.substr(0, eq) == name) return eq == std::string::npos ? "1" : part.substr(eq + 1);
    i = amp + 1;
  }
  return {};
}

std::string mediaType(const std::string& contentType) {
  std::string t = contentType.substr(0, contentType.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

void addCors(HttpResponse& r) {
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, DELETE, PATCH, OPTIONS");
  r.headers.emplace_back("Access-Control-Allow-Headers",
                         "Content-Type, Authorization, If-Match, Last-Event-ID");
  r.headers.emplace_back("Access-Control-Expose-Headers",
                         "Location, ETag, Link, Retry-After, X-Parley-Session");
}

HttpResponse withCors(HttpResponse r) {
  addCors(r);
  return r;
}

/// One media loop's share of the browser calls: the UDP socket they use and the calls
/// themselves. `server` and `calls` are touched only by tasks on `loop` (its thread created
/// and destroys them); `loop`, `port` and `starting` may be read from any thread.
struct LoopMedia {
  MediaLoop* loop = nullptr;     ///< borrowed from the worker
  uint16_t port = 0;             ///< the socket's bound UDP port (the answer's candidate port)
  std::atomic<int> starting{0};  ///< calls posted here whose session has not started yet
  std::unique_ptr<media::WebRtcServer> server;
  std::map<std::string, std::unique_ptr<WebRtcCall>> calls;
};

/// Everything route handlers and media tasks share. Held by shared_ptr from every route, so a
/// request racing the worker's shutdown never touches freed memory.
class WhipCore : public std::enable_shared_from_this<WhipCore> {
 public:
  WhipCore(WorkerContext& context)
      : context_(context), settings_(context.settings()), log_("whip") {
    const core::Config& cfg = settings_.raw;
    port_ = static_cast<uint16_t>(cfg.getInt("webrtc.port"));
    publicIp_ = cfg.getString("webrtc.public_ip");
    maxCalls_ = static_cast<int>(cfg.getInt("webrtc.max_sessions"));
    workerToken_ = cfg.getString("webrtc.bearer_token");
    webDir_ = cfg.getString("webrtc.web_dir");
#ifdef PARLEY_WEB_DIR
    // Run from elsewhere than the source tree: fall back to the page next to the sources.
    if (!std::filesystem::exists(std::filesystem::path(webDir_) / "index.html"))
      webDir_ = PARLEY_WEB_DIR;
#endif
    certificate_ = media::DtlsCertificate::generate();

    // webrtc.port 0: a socket on a free port per media loop, and calls spread over the loops
    // like other sessions. A fixed port is one socket, so its calls all live on the loop that
    // reads it (the first one).
    const size_t loops = port_ == 0 ? context.loops().size() : 1;
    std::string err;
    for (size_t i = 0; i < loops && err.empty(); ++i) {
      auto lm = std::make_unique<LoopMedia>();
      lm->loop = context.loops().at(i).get();
      // The socket must be created on the loop that will read it.
      std::promise<std::string> bound;
      auto result = bound.get_future();
      LoopMedia* raw = lm.get();
      const uint16_t port = port_;
      if (!raw->loop->thread->post([raw, port, &bound] {
            try {
              auto addr = core::SocketAddress::fromHostPort("0.0.0.0", port);
              raw->server = std::make_unique<media::WebRtcServer>(raw->loop->thread->loop(), *addr);
              raw->port = raw->server->localAddress().port();
              bound.set_value("");
            } catch (const std::exception& e) {
              bound.set_value(e.what());
            }
          }))
        bound.set_value("media loop " + std::to_string(i) + " is stopping");
      err = result.get();
      if (err.empty()) media_.push_back(std::move(lm));
    }
    if (!err.empty()) {
      closeSockets();  // those already bound, each on its own loop
      throw core::Error("webrtc.port " + std::to_string(port_) + ": cannot bind: " + err);
    }
    if (publicIp_.empty()) publicIp_ = "127.0.0.1";
    std::string ports;
    for (const auto& lm : media_)
      ports += (ports.empty() ? "" : ", ") + std::to_string(lm->port) + " (media-" +
               std::to_string(lm->loop->index) + ")";
    log_.info("WebRTC on UDP port {} (candidate {}), certificate sha-256 {}", ports, publicIp_,
              certificate_->fingerprintSha256());
  }

  void registerRoutes(Router& router) {
    auto self = shared_from_this();
    router.add(HttpMethod::Options, "/whip/{tenant}",
               [self](const HttpRequest&) { return self->preflight(true); });
    router.add(HttpMethod::Options, "/whip/{tenant}/{session}",
               [self](const HttpRequest&) { return self->preflight(false); });
    router.add(HttpMethod::Post, "/whip/{tenant}",
               [self](const HttpRequest& r) { return self->post(r); });
    router.add(HttpMethod::Delete, "/whip/{tenant}/{session}",
               [self](const HttpRequest& r) { return self->remove(r); });
    router.add(HttpMethod::Patch, "/whip/{tenant}/{session}", [](const HttpRequest&) {
      // ICE-lite with every candidate in the answer: trickle and restart are not supported.
      return withCors(HttpResponse::error(501, "trickle ICE and ICE restart are not supported"));
    });
    router.add(HttpMethod::Get, "/v1/sessions/{id}/events",
               [self](const HttpRequest& r) { return self->events(r); });
    router.add(HttpMethod::Options, "/v1/sessions/{id}/events",
               [self](const HttpRequest&) { return self->preflight(false); });
    router.add(HttpMethod::Get, "/", [self](const HttpRequest& r) { return self->page(r); });
    router.add(HttpMethod::Get, "/web/{file}",
               [self](const HttpRequest& r) { return self->page(r); });
    router.add(HttpMethod::Get, "/v1/tenants",
               [self](const HttpRequest&) { return self->tenantList(); });
  }

  /// Ends every call and closes the sockets, each on its own loop; returns when done.
  void stopAll() {
    for (auto& lm : media_) {
      std::promise<void> done;
      auto f = done.get_future();
      LoopMedia* raw = lm.get();
      if (!raw->loop->thread->post([raw, &done] {
            for (auto& [id, call] : raw->calls) call->hangup();
            raw->calls.clear();
            if (raw->server) raw->server->close();
            raw->server.reset();
            done.set_value();
          }))
        continue;
      f.wait();
    }
  }

 private:
  /// Closes the sockets bound so far (constructor failure path), each on its loop.
  void closeSockets() {
    for (auto& lm : media_) {
      std::promise<void> done;
      auto f = done.get_future();
      LoopMedia* raw = lm.get();
      if (!raw->loop->thread->post([raw, &done] {
            if (raw->server) raw->server->close();
            raw->server.reset();
            done.set_value();
          }))
        continue;
      f.wait();
    }
    media_.clear();
  }

  /// The loop for a new call: the one with the fewest sessions, counting calls posted there
  /// that have not started yet (so a burst of offers spreads too). Ties: the lowest index.
  LoopMedia& pickMedia() {
    LoopMedia* best = media_.front().get();
    auto load = [](const LoopMedia& m) { return m.loop->sessions.load() + m.starting.load(); };
    for (auto& lm : media_)
      if (load(*lm) < load(*best)) best = lm.get();
    return *best;
  }

  HttpResponse preflight(bool endpoint) {
    HttpResponse r = HttpResponse::text(204, "");
    r.contentType.clear();
    if (endpoint) r.headers.emplace_back("Accept-Post", "application/sdp");
    addCors(r);
    return r;
  }

  HttpResponse post(const HttpRequest& req) {
    const std::string tenantId = req.params.at("tenant");
    auto tenant = context_.tenants().byId(tenantId);
    if (!tenant) return withCors(HttpResponse::error(404, "no tenant '" + tenantId + "'"));
    if (auto refused = checkToken(req, *tenant)) return *refused;
    if (mediaType(req.header("content-type")) != "application/sdp")
      return withCors(HttpResponse::error(415, "Content-Type must be application/sdp"));
    if (req.body.size() > media::Sdp::kMaxSdpBytes)
      return withCors(HttpResponse::error(413, "SDP offer larger than 64 KiB"));
    // The offer is judged before capacity: a client error stays a client error (400/406)
    // whatever the load, and parsing is cheap and bounded.
    media::SdpError sdpError{};
    auto offer = media::Sdp::parseOffer(req.body, sdpError);
    if (!offer) {
      const int status = sdpError.kind == media::SdpError::Kind::Malformed ? 400 : 406;
      return withCors(HttpResponse::error(status, sdpError.reason));
    }
    // Worker-wide admission (draining, admission.max_sessions, load): a full worker that
    // knows a freer one in the fleet redirects the offer there (WHIP RFC 9725 §4.6: 307 keeps
    // the method and body); otherwise 503 + Retry-After.
    const Admission admission = context_.admitCall();
    if (!admission.admitted) {
      if (!admission.redirectBaseUrl.empty())
        return redirect(admission.redirectBaseUrl + "/whip/" + tenant->id);
      return busy("the worker is " + admission.reason + " (" + admission.detail + ")",
                  admission.retryAfterS);
    }
    if (!context_.accepting()) return busy("the worker is draining");
    if (!context_.readiness().ready())
      return busy("the worker is not ready (speech engines loading?); see /readyz");
    if (active_.load() >= maxCalls_) return busy("the worker is at capacity (webrtc.max_sessions)");
    const media::SdpMediaSection& audio = offer->sections[static_cast<size_t>(offer->audioIndex)];

    const std::string callId = "wrtc-" + core::secureRandomToken(12);
    media::SdpAnswerParams p;
    p.iceUfrag = core::secureRandomToken(kUfragChars);
    p.icePwd = core::secureRandomToken(kPwdChars);
    p.fingerprintSha256 = certificate_->fingerprintSha256();
    p.candidateIp = publicIp_;
    LoopMedia& lm = pickMedia();
    p.candidatePort = lm.port;
    p.ssrc = static_cast<uint32_t>(core::secureRandomU64()) | 1;
    p.cname = core::secureRandomToken(16);
    p.sessionId =
        core::secureRandomU64() >> 12;  // 52 bits: exact even where SDP is read as a double
    const std::string answer = media::Sdp::buildAnswer(*offer, p);

    media::WebRtcLegOptions o;
    o.id = callId;
    o.localUfrag = p.iceUfrag;
    o.localPwd = p.icePwd;
    o.remoteUfrag = audio.iceUfrag;
    o.remoteFingerprint = audio.fingerprint;
    o.opusPt = audio.opusPt;
    o.telephoneEventPt = audio.telephoneEventPt;
    o.telephoneEventRate = audio.telephoneEventRate > 0 ? audio.telephoneEventRate : 8000;
    o.ssrc = p.ssrc;
    o.cname = p.cname;

    auto events = std::make_shared<CallEvents>();
    {
      std::lock_guard lock(mutex_);
      index_[callId] = Entry{tenant->id, events, false, &lm};
    }
    ++active_;
    ++lm.starting;
    auto self = shared_from_this();
    LoopMedia* media = &lm;
    const bool posted =
        lm.loop->thread->post([self, media, o = std::move(o), tenant, events]() mutable {
          self->startCall(*media, std::move(o), std::move(tenant), std::move(events));
        });
    if (!posted) {
      --active_;
      --lm.starting;
      return busy("the worker is stopping");
    }
    log_.with("call_id", callId).info("WHIP offer accepted for tenant {}", tenant->id);

    HttpResponse r = HttpResponse::text(201, answer, "application/sdp");
    r.headers.emplace_back("Location", "/whip/" + tenant->id + "/" + callId);
    r.headers.emplace_back("ETag", "\"" + p.iceUfrag + "\"");
    r.headers.emplace_back("X-Parley-Session", callId);
    r.headers.emplace_back(
        "Link", "</v1/sessions/" + callId + "/events>; rel=\"urn:ietf:params:whip:ext:events\"");
    addCors(r);
    return r;
  }

  /// The token a tenant's calls need: its own, else the worker-wide one ("" = none).
  const std::string& tokenFor(const tools::Tenant& tenant) const {
    return tenant.webrtcBearerToken.empty() ? workerToken_ : tenant.webrtcBearerToken;
  }

  /// 401 (RFC 6750 §3: WWW-Authenticate, error="invalid_token" when a wrong one was sent) if
  /// the tenant needs a token and the request lacks it; nullopt when it may go on. The token
  /// is compared in constant time and never logged.
  std::optional<HttpResponse> checkToken(const HttpRequest& req, const tools::Tenant& tenant) {
    const std::string& expected = tokenFor(tenant);
    if (expected.empty()) return std::nullopt;
    const std::string& auth = req.header("authorization");
    if (bearerMatches(auth, expected)) return std::nullopt;
    const bool sent = bearerToken(auth).has_value();
    log_.with("peer", req.peer)
        .info("WHIP {} for tenant {} refused: {} bearer token", methodName(req.method), tenant.id,
              sent ? "wrong" : "no");
    HttpResponse r = HttpResponse::error(401, sent ? "wrong bearer token" : "missing bearer token");
    r.headers.emplace_back(
        "WWW-Authenticate",
        sent ? "Bearer realm=\"parley\", error=\"invalid_token\"" : "Bearer realm=\"parley\"");
    return withCors(r);
  }

  /// 503 with Retry-After (seconds; <= 0 = kRetryAfterS).
  HttpResponse busy(const std::string& why, int retryAfterS = kRetryAfterS) {
    HttpResponse r = HttpResponse::error(503, why);
    r.headers.emplace_back("Retry-After",
                           std::to_string(retryAfterS > 0 ? retryAfterS : kRetryAfterS));
    return withCors(r);
  }

  /// 307 to the same WHIP endpoint on another worker (`location` is absolute).
  HttpResponse redirect(const std::string& location) {
    HttpResponse r = HttpResponse::error(307, "this worker is busy; try " + location);
    r.headers.emplace_back("Location", location);
    log_.info("WHIP offer redirected to {}", location);
    return withCors(r);
  }

  // On lm's media loop: builds the leg and whatever talks on it.
  void startCall(LoopMedia& lm, media::WebRtcLegOptions o,
                 std::shared_ptr<const tools::Tenant> tenant, std::shared_ptr<CallEvents> events) {
    const std::string id = o.id;
    try {
      if (!lm.server) throw core::Error("the WebRTC socket is closed (stopping)");
      auto leg = std::make_unique<media::WebRtcLeg>(std::move(o), certificate_, *lm.server,
                                                    *lm.loop->pacer, lm.loop->thread->loop(),
                                                    context_.clock());
      auto self = shared_from_this();
      LoopMedia* media = &lm;
      auto call = std::make_unique<WebRtcCall>(
          std::move(leg), std::move(tenant), events, context_, *lm.loop,
          [self, media, id] { self->onCallEnded(*media, id); });
      // Started before it is kept: a call whose session cannot start (providers still
      // loading, store unavailable) is dropped here and reported as an "ended" error event.
      call->start();
      --lm.starting;  // the session now counts in lm.loop->sessions
      lm.calls[id] = std::move(call);
    } catch (const std::exception& e) {
      --lm.starting;
      log_.with("call_id", id).error("cannot start the call: {}", e.what());
      events->push("ended", nlohmann::json{{"reason", "error"}, {"detail", e.what()}}.dump());
      finishEntry(id);
    }
  }

  // On lm's media loop, from the call's hangup: destroy it on a later iteration (never inside
  // its own callback).
  void onCallEnded(LoopMedia& lm, const std::string& id) {
    auto self = shared_from_this();
    LoopMedia* media = &lm;
    lm.loop->thread->post([self, media, id] {
      media->calls.erase(id);
      self->finishEntry(id);
    });
  }

  void finishEntry(const std::string& id) {
    --active_;
    std::lock_guard lock(mutex_);
    auto it = index_.find(id);
    if (it != index_.end()) it->second.ended = true;
    ended_.push_back(id);
    while (ended_.size() > kKeptEndedCalls) {
      index_.erase(ended_.front());
      ended_.pop_front();
    }
  }

  HttpResponse remove(const HttpRequest& req) {
    const std::string id = req.params.at("session");
    auto tenant = context_.tenants().byId(req.params.at("tenant"));
    if (!tenant) return withCors(HttpResponse::error(404, "no such session"));
    if (auto refused = checkToken(req, *tenant)) return *refused;
    LoopMedia* media = nullptr;
    {
      std::lock_guard lock(mutex_);
      auto it = index_.find(id);
      if (it == index_.end() || it->second.tenant != tenant->id || it->second.ended)
        return withCors(HttpResponse::error(404, "no such session"));
      media = it->second.media;
    }
    media->loop->thread->post([media, id] {
      auto it = media->calls.find(id);
      if (it != media->calls.end()) it->second->hangup();
    });
    return withCors(HttpResponse::json(200, nlohmann::json{{"ended", id}}.dump()));
  }

  // GET /v1/sessions/{id}/events: a live text/event-stream that ends with the call's "ended"
  // event; `?once=1` answers with the events so far and closes (a snapshot). Both start after
  // `?after=<id>` or the Last-Event-ID header (an EventSource reconnecting).
  HttpResponse events(const HttpRequest& req) {
    std::shared_ptr<CallEvents> ev;
    {
      std::lock_guard lock(mutex_);
      auto it = index_.find(req.params.at("id"));
      if (it == index_.end()) return withCors(HttpResponse::error(404, "no such session"));
      ev = it->second.events;
    }
    uint64_t after = 0;
    const std::string afterParam = queryParam(req.query, "after");
    const std::string& lastId = req.header("last-event-id");
    if (!afterParam.empty())
      after = std::strtoull(afterParam.c_str(), nullptr, 10);
    else if (!lastId.empty())
      after = std::strtoull(lastId.c_str(), nullptr, 10);
    const std::string once = queryParam(req.query, "once");
    if (!once.empty() && once != "0" && once != "false") {
      uint64_t last = 0;
      HttpResponse r =
          HttpResponse::text(200, ev->sseSince(after, last, kSseRetryMs), "text/event-stream");
      r.headers.emplace_back("Cache-Control", "no-store");
      addCors(r);
      return r;
    }
    if (ev->subscribers() >= CallEvents::kMaxSubscribers) {
      HttpResponse r = HttpResponse::error(503, "too many event streams for this session");
      r.headers.emplace_back("Retry-After", std::to_string(kRetryAfterS));
      return withCors(r);
    }
    HttpResponse r = HttpResponse::text(200, "", "text/event-stream");
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("X-Accel-Buffering", "no");  // a buffering proxy would hold events
    addCors(r);
    r.keepAlive = ": keep-alive\n\n";
    r.keepAliveMs = kSseKeepAliveMs;
    r.stream = [ev, after](std::shared_ptr<HttpStreamWriter> writer) {
      ev->subscribe(std::move(writer), after, kSseRetryMs);
    };
    return r;
  }

  HttpResponse tenantList() {
    nlohmann::json list = nlohmann::json::array();
    bool anyAuth = false;
    for (const auto& t : context_.tenants().all()) {
      const bool auth = !tokenFor(*t).empty();
      anyAuth = anyAuth || auth;
      list.push_back(
          {{"id", t->id}, {"name", t->displayName}, {"language", t->language}, {"auth", auth}});
    }
    return withCors(
        HttpResponse::json(200, nlohmann::json{{"tenants", list}, {"auth", anyAuth}}.dump()));
  }

  HttpResponse page(const HttpRequest& req) {
    std::string file = "index.html";
    if (auto it = req.params.find("file"); it != req.params.end()) file = it->second;
    // Only plain names from the web directory: no traversal, no hidden files.
    if (file.empty() || file[0] == '.' || file.find('/') != std::string::npos ||
        file.find("..") != std::string::npos)
      return HttpResponse::error(404, "not found");
    std::ifstream in(std::filesystem::path(webDir_) / file, std::ios::binary);
    if (!in) return HttpResponse::error(404, "not found: " + file);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string type = "application/octet-stream";
    auto ends = [&](const char* ext) {
      const std::string e(ext);
      return file.size() >= e.size() && file.compare(file.size() - e.size(), e.size(), e) == 0;
    };
    if (ends(".html")) type = "text/html; charset=utf-8";
    if (ends(".js")) type = "text/javascript; charset=utf-8";
    if (ends(".css")) type = "text/css; charset=utf-8";
    if (ends(".svg")) type = "image/svg+xml";
    HttpResponse r = HttpResponse::text(200, ss.str(), type);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }

  struct Entry {
    std::string tenant;
    std::shared_ptr<CallEvents> events;
    bool ended = false;
    LoopMedia* media = nullptr;  ///< where the call lives (owned by media_)
  };

  WorkerContext& context_;
  const WorkerSettings& settings_;
  core::Logger log_;
  uint16_t port_ = 0;
  std::string publicIp_;
  int maxCalls_ = 0;
  std::string workerToken_;  ///< webrtc.bearer_token (secret; never logged)
  std::string webDir_;
  std::shared_ptr<const media::DtlsCertificate> certificate_;
  std::atomic<int> active_{0};

  // Control-thread index of calls (and the recently ended), guarded by mutex_.
  std::mutex mutex_;
  std::map<std::string, Entry> index_;
  std::deque<std::string> ended_;

  /// One entry per media loop with a WebRTC socket (just the first loop for a fixed
  /// webrtc.port). Filled in the constructor, never resized afterwards, so any thread may read
  /// the vector; each LoopMedia's server and calls belong to its loop.
  std::vector<std::unique_ptr<LoopMedia>> media_;
};

class WhipSubsystem final : public Subsystem {
 public:
  explicit WhipSubsystem(WorkerContext& context) : core_(std::make_shared<WhipCore>(context)) {
    core_->registerRoutes(context.router());
  }
  void stop() override { core_->stopAll(); }

 private:
  std::shared_ptr<WhipCore> core_;
};

}  // namespace

std::unique_ptr<Subsystem> makeWhipSubsystem(WorkerContext& context) {
  return std::make_unique<WhipSubsystem>(context);
}

}  // namespace parley::agent
