// The sofia user agent and the SIP leg against a real SIP peer: sipp (Debian sip-tester) plays
// a trunk calling in, on loopback. The UAS here is a test harness with the same flow as the
// worker's SIP subsystem (negotiate, bind a SipLeg on a media loop, 180, 200) whose "session"
// echoes the caller's audio back.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
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

  void start(bool allowSources = true) {
    allowSources_ = allowSources;
    std::promise<void> done;
    loop_.post([&] {
      pacer_ = std::make_unique<Pacer>(loop_.loop(), clock_, "sip-test");
      done.set_value();
    });
    done.get_future().get();
    port_ = freePort();
    ua_ = std::make_unique<SipUserAgent>(
        SipUserAgentConfig{.listenUrl = "sip:127.0.0.1:" + std::to_string(port_)}, this);
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

  bool onSipSourceAllowed(const core::SocketAddress& source) override {
    (void)source;
    if (!allowSources_) ++strangers_;
    return allowSources_;
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

}  // namespace

TEST_CASE("sipp calls in with PCMA audio and DTMF then hangs up") {
  TestUas uas;
  uas.start();
  auto r = runSipp(fixture("call_pcap_dtmf.xml"), uas.port(), TestUas::kDid, "-d 3000");
  INFO(r.log);
  CHECK(r.exitCode == 0);
  auto results = uas.waitEnded();
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
  auto r = runSipp(fixture("cancel.xml"), uas.port(), TestUas::kRingDid);
  INFO(r.log);
  CHECK(r.exitCode == 0);
  auto results = uas.waitEnded();
  REQUIRE(results.size() == 1);
  CHECK(results.begin()->second.ended);
}

TEST_CASE("re-INVITE hold and unhold are answered recvonly then sendrecv") {
  TestUas uas;
  uas.start();
  auto r = runSipp(fixture("reinvite_hold.xml"), uas.port(), TestUas::kDid);
  INFO(r.log);
  CHECK(r.exitCode == 0);
  auto results = uas.waitEnded();
  REQUIRE(results.size() == 1);
  const CallResult& c = results.begin()->second;
  CHECK(c.reInvites == 2);
  CHECK(c.lastAnswer.find("a=sendrecv") != std::string::npos);
  CHECK(c.ended);
}
