// The sofia user agent and the SIP leg against a real SIP peer: sipp (Debian sip-tester) plays
// a trunk calling in, on loopback. The UAS here is a test harness with the same flow as the
// worker's SIP subsystem (negotiate, bind a SipLeg on a media loop, 180, 200) whose "session"
// echoes the caller's audio back.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "core/Clock.hpp"
#include "core/LoopThread.hpp"
#include "media/sip/SipLeg.hpp"
#include "media/sip/SipUserAgent.hpp"
#include "tests/media/sip/SippRunner.hpp"

using namespace parley;
using namespace parley::media;
using namespace parley::media::sip;
using namespace parley::media::sip::test;

namespace {

/// What the harness saw of one call (copied out under a lock).
struct CallResult {
  bool answered = false;
  bool ended = false;
  int endStatus = 0;
  std::string dtmf;
  SipLegStats stats;
  HangupReason reason = HangupReason::Error;
  int reInvites = 0;
  std::string lastAnswer;
};

class TestUas;

/// Lives on the media loop: the leg and an echoing listener.
struct EchoCall;
/// Sends BYE for a leg that ended on our side.
struct ByeOnEnd : SipLegSignalling {
  TestUas* uas = nullptr;
  CallRef ref = 0;
  void onSipLegEnded(HangupReason reason) override;
};

struct EchoCall : CallLegListener {
  TestUas* uas = nullptr;
  CallRef ref = 0;
  std::unique_ptr<SipLeg> leg;
  void onLegAudio(const AudioFrame& f) override { leg->sendAudio(f); }
  void onLegDtmf(const DtmfEvent& e) override;
  void onLegHangup(HangupReason reason) override;
};

class TestUas : public SipUserAgentListener {
 public:
  static constexpr const char* kDid = "+15550001111";
  static constexpr const char* kUnknownDid = "+15550000404";
  static constexpr const char* kRingDid = "+15550000180";  // rings until CANCEL

  TestUas() : loop_("sip-test") {}

  /// `allowSources`: accept every source by address; else strangers get 403 unless `digest`
  /// names a trunk account they must authenticate with.
  void start(bool allowSources = true, std::optional<SipInboundCredentials> digest = {}) {
    allowSources_ = allowSources;
    digest_ = digest;
    std::promise<void> done;
    loop_.post([&] {
      pacer_ = std::make_unique<Pacer>(loop_.loop(), clock_, "sip-test");
      done.set_value();
    });
    done.get_future().get();
    port_ = freePort();
    SipUserAgentConfig cfg{.listenUrl = "sip:127.0.0.1:" + std::to_string(port_)};
    if (digest) cfg.inboundDigest.push_back(*digest);
    ua_ = std::make_unique<SipUserAgent>(cfg, this);
  }

  ~TestUas() override {
    if (ua_) ua_->stop();
    std::promise<void> done;
    loop_.post([&] {
      calls_.clear();
      pacer_.reset();
      done.set_value();
    });
    done.get_future().get();
    loop_.stop();
  }

  uint16_t port() const { return port_; }
  void setFull(bool full) { full_ = full; }

  SipSourceCheck onSipSource(const core::SocketAddress& source) override {
    (void)source;
    if (allowSources_) return SipSourceCheck{.accepted = true, .trunk = "local"};
    if (digest_) return SipSourceCheck{.digestTrunks = {digest_->trunk}};
    ++strangers_;
    return SipSourceCheck{};
  }
  void onSipDigest(SipDigestResult result) override {
    std::lock_guard lock(mutex_);
    digestResults_.push_back(result);
  }
  std::vector<SipDigestResult> digestResults() {
    std::lock_guard lock(mutex_);
    return digestResults_;
  }

  void onSipInvite(const SipInvite& inv) override {
    {
      std::lock_guard lock(mutex_);
      lastInvite_ = inv;
    }
    if (inv.requestUser == kUnknownDid) return ua_->respond(inv.ref, 404, "Not Found");
    if (full_) return ua_->respond(inv.ref, 503, "Service Unavailable", {}, 5);
    if (inv.requestUser == kRingDid) return ua_->respond(inv.ref, 180, "Ringing");
    auto offer = parseSdp(inv.body);
    auto choice = offer ? negotiate(*offer, {SipCodec::Pcmu, SipCodec::Pcma}) : std::nullopt;
    if (!choice) return ua_->respond(inv.ref, 488, "Not Acceptable Here");
    uint16_t rtpPort = rtpPort_ += 2;
    SipLegConfig cfg{.id = inv.callId,
                     .rtpBind = *core::SocketAddress::fromHostPort("127.0.0.1", rtpPort),
                     .remote = core::SocketAddress::fromHostPort(offer->address, offer->port),
                     .choice = *choice,
                     .mediaTimeoutMs = 5000};
    SdpLocal local{.address = "127.0.0.1", .port = rtpPort, .sessionId = inv.ref};
    sip_[inv.ref] = SipSide{local, *choice};
    std::string answer = buildAnswer(local, *choice);
    CallRef ref = inv.ref;
    loop_.post([this, ref, cfg, answer] {
      auto call = std::make_unique<EchoCall>();
      call->uas = this;
      call->ref = ref;
      auto bye = std::make_shared<ByeOnEnd>();
      bye->uas = this;
      bye->ref = ref;
      call->leg = std::make_unique<SipLeg>(loop_.loop(), *pacer_, clock_, cfg, bye);
      call->leg->setListener(call.get());
      call->leg->start();
      calls_[ref] = std::move(call);
      ua_->respond(ref, 180, "Ringing");
      ua_->respond(ref, 200, "OK", answer);
      std::lock_guard lock(mutex_);
      results_[ref].answered = true;
    });
  }

  void onSipReInvite(CallRef ref, const std::string& body) override {
    auto offer = parseSdp(body);
    auto it = sip_.find(ref);
    if (!offer || it == sip_.end()) return ua_->respond(ref, 488, "Not Acceptable Here");
    it->second.local.version++;
    it->second.local.direction = answerDirection(offer->direction);
    std::string answer = buildAnswer(it->second.local, it->second.choice);
    {
      std::lock_guard lock(mutex_);
      results_[ref].reInvites++;
      results_[ref].lastAnswer = answer;
    }
    auto remote = core::SocketAddress::fromHostPort(offer->address, offer->port);
    SdpDirection dir = it->second.local.direction;
    loop_.post([this, ref, remote, dir] {
      if (auto c = calls_.find(ref); c != calls_.end()) c->second->leg->updateRemote(remote, dir);
    });
    ua_->respond(ref, 200, "OK", answer);
  }

  void onSipCallEnded(CallRef ref, int status, const std::string&) override {
    sip_.erase(ref);
    loop_.post([this, ref, status] {
      if (auto c = calls_.find(ref); c != calls_.end()) c->second->leg->remoteHangup();
      std::lock_guard lock(mutex_);
      results_[ref].ended = true;
      results_[ref].endStatus = status;
    });
  }

  /// Loop thread, from EchoCall.
  void record(CallRef ref, const std::function<void(CallResult&)>& f) {
    std::lock_guard lock(mutex_);
    f(results_[ref]);
  }
  void hangupFromLeg(CallRef ref) { ua_->hangup(ref); }

  /// Waits until every call seen has ended (or `timeout`); returns the results.
  std::map<CallRef, CallResult> waitEnded(
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      {
        std::lock_guard lock(mutex_);
        bool all = true;
        for (auto& [r, c] : results_) all = all && c.ended;
        if (all) return results_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::lock_guard lock(mutex_);
    return results_;
  }
  SipInvite lastInvite() {
    std::lock_guard lock(mutex_);
    return lastInvite_;
  }
  int strangers() const { return strangers_; }

 private:
  struct SipSide {
    SdpLocal local;
    SdpChoice choice;
  };
  core::SystemClock clock_;
  core::LoopThread loop_;
  std::unique_ptr<Pacer> pacer_;                        // loop thread
  std::map<CallRef, std::unique_ptr<EchoCall>> calls_;  // loop thread
  std::map<CallRef, SipSide> sip_;                      // SIP thread
  std::unique_ptr<SipUserAgent> ua_;
  uint16_t port_ = 0;
  uint16_t rtpPort_ = static_cast<uint16_t>(freePort(true) - 2);
  bool allowSources_ = true;
  std::optional<SipInboundCredentials> digest_;
  std::vector<SipDigestResult> digestResults_;
  std::atomic<bool> full_{false};
  std::atomic<int> strangers_{0};
  std::mutex mutex_;
  std::map<CallRef, CallResult> results_;
  SipInvite lastInvite_;
};

void EchoCall::onLegDtmf(const DtmfEvent& e) {
  uas->record(ref, [&](CallResult& r) { r.dtmf.push_back(e.digit); });
}
void EchoCall::onLegHangup(HangupReason reason) {
  uas->record(ref, [&](CallResult& r) {
    r.reason = reason;
    r.stats = leg->stats();
  });
}
void ByeOnEnd::onSipLegEnded(HangupReason) {
  uas->hangupFromLeg(ref);
}

/// Runs one sipp call of `scenario` (which must succeed) against the started `uas` and returns
/// the calls that ended.
std::map<CallRef, CallResult> callThrough(TestUas& uas, const std::string& scenario,
                                          const std::string& did, const std::string& extra = "") {
  auto r = runSipp(scenario, uas.port(), did, extra);
  INFO(r.log);
  CHECK(r.exitCode == 0);
  return uas.waitEnded();
}

}  // namespace

TEST_CASE("sipp calls in with PCMA audio and DTMF then hangs up") {
  TestUas uas;
  uas.start();
  auto results = callThrough(uas, fixture("call_pcap_dtmf.xml"), TestUas::kDid, "-d 3000");
  REQUIRE(results.size() == 1);
  const CallResult& c = results.begin()->second;
  CHECK(c.answered);
  CHECK(c.ended);
  CHECK((c.reason == HangupReason::Remote));
  // ~4 s of call at 50 packets/s each way.
  CHECK(c.stats.rtpReceived > 100);
  CHECK(c.stats.rtpSent > 100);
  CHECK(c.dtmf == "1");
  CHECK(c.stats.framesDelivered > 100);
  auto inv = uas.lastInvite();
  CHECK(inv.requestUser == TestUas::kDid);
  CHECK(inv.fromUser == "+15557654321");
  CHECK(inv.fromDisplay.find("Caller") != std::string::npos);
  CHECK(inv.source.host() == "127.0.0.1");
}

TEST_CASE("sipp OPTIONS ping gets 200") {
  TestUas uas;
  uas.start();
  auto r = runSipp(fixture("options.xml"), uas.port(), TestUas::kDid);
  INFO(r.log);
  CHECK(r.exitCode == 0);
}

TEST_CASE("an INVITE from a source that is not allowed gets 403 and no call") {
  TestUas uas;
  uas.start(false);
  auto r = runSipp(scenarioWith("invite_rejected.xml", {{"@STATUS@", "403"}}), uas.port(),
                   TestUas::kDid);
  INFO(r.log);
  CHECK(r.exitCode == 0);
  CHECK(uas.strangers() >= 1);
  CHECK(uas.waitEnded().empty());
}

TEST_CASE("the user agent passes 404 and 503 with Retry-After through") {
  TestUas uas;
  uas.start();
  auto r404 = runSipp(scenarioWith("invite_rejected.xml", {{"@STATUS@", "404"}}), uas.port(),
                      TestUas::kUnknownDid);
  INFO(r404.log);
  CHECK(r404.exitCode == 0);
  uas.setFull(true);
  auto r503 = runSipp(scenarioWith("invite_rejected.xml", {{"@STATUS@", "503"}}), uas.port(),
                      TestUas::kDid);
  INFO(r503.log);
  CHECK(r503.exitCode == 0);
}

TEST_CASE("CANCEL while ringing gives 487 and ends the call") {
  TestUas uas;
  uas.start();
  auto results = callThrough(uas, fixture("cancel.xml"), TestUas::kRingDid);
  REQUIRE(results.size() == 1);
  CHECK(results.begin()->second.ended);
}

TEST_CASE("re-INVITE hold and unhold are answered recvonly then sendrecv") {
  TestUas uas;
  uas.start();
  auto results = callThrough(uas, fixture("reinvite_hold.xml"), TestUas::kDid);
  REQUIRE(results.size() == 1);
  const CallResult& c = results.begin()->second;
  CHECK(c.reInvites == 2);
  CHECK(c.lastAnswer.find("a=sendrecv") != std::string::npos);
  CHECK(c.ended);
}

TEST_CASE("a session timer the caller asks for is confirmed in the 200 OK (RFC 4028)") {
  TestUas uas;
  uas.start();
  // The scenario checks Session-Expires: 600;refresher=uac and Require: timer in the 200 OK.
  auto results = callThrough(uas, fixture("session_timer.xml"), TestUas::kDid);
  REQUIRE(results.size() == 1);
  CHECK(results.begin()->second.answered);
  CHECK(results.begin()->second.ended);
}

TEST_CASE("a trunk with digest credentials is challenged with 401 and then answered") {
  TestUas uas;
  uas.start(false, SipInboundCredentials{
                       .trunk = "pbx", .realm = "parley", .username = "pbx", .password = "s3cret"});
  auto results = callThrough(uas, fixture("invite_auth.xml"), TestUas::kDid, "-au pbx -ap s3cret");
  REQUIRE(results.size() == 1);
  CHECK(results.begin()->second.answered);
  CHECK(results.begin()->second.ended);
  CHECK(uas.lastInvite().trunk == "pbx");
  auto digest = uas.digestResults();
  REQUIRE(digest.size() == 2);
  CHECK((digest[0] == SipDigestResult::Challenged));
  CHECK((digest[1] == SipDigestResult::Accepted));
  CHECK(uas.strangers() == 0);
}

TEST_CASE("wrong digest credentials get 403 and no call is created") {
  TestUas uas;
  uas.start(false, SipInboundCredentials{
                       .trunk = "pbx", .realm = "parley", .username = "pbx", .password = "s3cret"});
  auto r = runSipp(scenarioWith("invite_auth_refused.xml", {{"@STATUS@", "403"}}), uas.port(),
                   TestUas::kDid, "-au pbx -ap guess");
  INFO(r.log);
  CHECK(r.exitCode == 0);
  CHECK(uas.waitEnded().empty());
  auto digest = uas.digestResults();
  REQUIRE(digest.size() == 2);
  CHECK((digest[0] == SipDigestResult::Challenged));
  CHECK((digest[1] == SipDigestResult::Forbidden));
  // A user the trunk does not have is refused the same way.
  auto other = runSipp(scenarioWith("invite_auth_refused.xml", {{"@STATUS@", "403"}}), uas.port(),
                       TestUas::kDid, "-au mallory -ap s3cret");
  INFO(other.log);
  CHECK(other.exitCode == 0);
  CHECK(uas.waitEnded().empty());
}

namespace {

/// Records registration reports; refuses calls (none are expected).
struct RegistrationWatcher : SipUserAgentListener {
  SipUserAgent* ua = nullptr;
  std::mutex mutex;
  std::vector<SipRegistrationState> states;
  void onSipInvite(const SipInvite& inv) override { ua->respond(inv.ref, 403, "Forbidden"); }
  void onSipReInvite(CallRef, const std::string&) override {}
  void onSipCallEnded(CallRef, int, const std::string&) override {}
  void onSipRegistration(const SipRegistrationState& st) override {
    std::lock_guard lock(mutex);
    states.push_back(st);
  }
  /// Waits until `n` reports have come (or `timeout`); returns what came.
  std::vector<SipRegistrationState> waitFor(size_t n, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      {
        std::lock_guard lock(mutex);
        if (states.size() >= n) return states;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::lock_guard lock(mutex);
    return states;
  }
};

}  // namespace

TEST_CASE("REGISTER answers the registrar's digest, refreshes before expiry, un-REGISTERs") {
  auto server = startBoundSippServer(fixture("uas_registrar.xml"), 30);
  INFO(server.startError);
  REQUIRE(server.startError.empty());
  uint16_t registrar = server.port;
  auto& sipp = server.result;
  RegistrationWatcher watcher;
  uint16_t port = freePort();
  SipUserAgentConfig cfg{.listenUrl = "sip:127.0.0.1:" + std::to_string(port)};
  cfg.registrations.push_back(
      SipRegistrationConfig{.trunk = "telnyx",
                            .registrar = "sip:127.0.0.1:" + std::to_string(registrar),
                            .aor = "sip:parley@127.0.0.1",
                            .username = "parley",
                            .password = "secret",
                            .expiresS = 60});
  {
    SipUserAgent ua(cfg, &watcher);
    watcher.ua = &ua;
    // The first 200 (after the 401) and the refresh sofia sends before the granted 4 s end.
    auto states = watcher.waitFor(2, std::chrono::seconds(15));
    REQUIRE(states.size() >= 2);
    CHECK(states[0].trunk == "telnyx");
    CHECK(states[0].registered);
    CHECK(states[0].status == 200);
    CHECK(states[0].expiresS == 4);
    CHECK(states[1].registered);
    ua.stop();  // un-REGISTER
  }
  // The registrar scenario passes only if the un-REGISTER (Expires: 0) came (sofia sends it
  // from nua_shutdown and does not report it back).
  auto r = sipp.get();
  INFO(r.log);
  CHECK(r.exitCode == 0);
}

TEST_CASE("REGISTER with a wrong password reports the failure instead of looping") {
  auto server = startBoundSippServer(fixture("uas_registrar.xml"), 10);
  INFO(server.startError);
  REQUIRE(server.startError.empty());
  uint16_t registrar = server.port;
  auto& sipp = server.result;
  RegistrationWatcher watcher;
  uint16_t port = freePort();
  SipUserAgentConfig cfg{.listenUrl = "sip:127.0.0.1:" + std::to_string(port)};
  cfg.registrations.push_back(
      SipRegistrationConfig{.trunk = "telnyx",
                            .registrar = "sip:127.0.0.1:" + std::to_string(registrar),
                            .aor = "sip:parley@127.0.0.1",
                            .username = "parley",
                            .password = "wrong",
                            .expiresS = 60});
  SipUserAgent ua(cfg, &watcher);
  watcher.ua = &ua;
  auto states = watcher.waitFor(1, std::chrono::seconds(10));
  REQUIRE(states.size() == 1);
  CHECK_FALSE(states[0].registered);
  CHECK(states[0].status == 403);
  ua.stop();
  CHECK(sipp.get().exitCode != 0);  // the registrar scenario wanted the right password
}

TEST_CASE("with a certificate the user agent also answers SIP over TLS") {
  // A self-signed certificate made here, in sofia's layout (agent.pem = key + certificate,
  // cafile.pem), and openssl s_client as the TLS peer sending an OPTIONS.
  auto dir = tempDir() / "tls";
  std::filesystem::create_directories(dir);
  std::string d = dir.string();
  std::string mk = "cd " + d +
                   " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1"
                   " -keyout key.pem -out cert.pem > openssl.log 2>&1"
                   " && cat key.pem cert.pem > agent.pem && cp cert.pem cafile.pem";
  REQUIRE(std::system(mk.c_str()) == 0);
  RegistrationWatcher listener;
  uint16_t port = freePort();
  uint16_t tlsPort = freePort();
  SipUserAgentConfig cfg{.listenUrl = "sip:127.0.0.1:" + std::to_string(port),
                         .tlsListenUrl = "sips:127.0.0.1:" + std::to_string(tlsPort),
                         .tlsCertificateDir = d};
  SipUserAgent ua(cfg, &listener);
  listener.ua = &ua;
  std::string target = "127.0.0.1:" + std::to_string(tlsPort);
  std::ofstream(dir / "options.txt")
      << "OPTIONS sips:+15550001111@" << target << " SIP/2.0\r\n"
      << "Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls-test-1\r\n"
      << "From: <sip:tester@127.0.0.1>;tag=t1\r\n"
      << "To: <sips:+15550001111@" << target << ">\r\n"
      << "Call-ID: tls-test-1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
      << "Content-Length: 0\r\n\r\n";
  std::string cmd = "cd " + d + " && (cat options.txt; sleep 2) | timeout 20 openssl s_client" +
                    " -connect " + target + " -CAfile cafile.pem -verify_return_error -quiet" +
                    " > reply.txt 2> s_client.log";
  int rc = std::system(cmd.c_str());
  std::ifstream in(dir / "reply.txt");
  std::stringstream reply;
  reply << in.rdbuf();
  std::ifstream errIn(dir / "s_client.log");
  std::stringstream err;
  err << errIn.rdbuf();
  INFO("reply: " << reply.str() << "\ns_client: " << err.str() << " rc " << rc);
  CHECK(reply.str().rfind("SIP/2.0 200 OK", 0) == 0);
  CHECK(reply.str().find("Via: SIP/2.0/TLS") != std::string::npos);
  ua.stop();
}
