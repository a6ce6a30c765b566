#include "agent/sip/SipSubsystem.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <random>

#include "agent/sip/OutboundCall.hpp"
#include "agent/sip/SipCall.hpp"
#include "agent/sip/SipCallRoutes.hpp"
#include "agent/sip/SipSettings.hpp"
#include "core/Error.hpp"
#include "core/Log.hpp"
#include "core/SecureRandom.hpp"
#include "media/Pacer.hpp"
#include "media/sip/RtpPortAllocator.hpp"
#include "media/sip/SipSdp.hpp"
#include "media/sip/SipTlsFiles.hpp"
#include "media/sip/SipTrunks.hpp"
#include "media/sip/SipUserAgent.hpp"
#include "tools/PhoneNumber.hpp"
#include "tools/Tenant.hpp"
#include "tools/TenantLoader.hpp"

namespace parley::agent {
namespace {

using media::sip::CallRef;
namespace msip = media::sip;

/// How long stop() waits for the media loops to end their calls (they are running; this is one
/// loop iteration in practice).
constexpr auto kStopWait = std::chrono::seconds(2);

class SipSubsystem final : public Subsystem,
                           public msip::SipUserAgentListener,
                           public OutboundDialer {
 public:
  SipSubsystem(WorkerContext& context, SipSettings settings)
      : context_(context),
        settings_(std::move(settings)),
        trunks_(msip::SipTrunks::loadFile(settings_.trunksFile)),
        ports_(std::make_shared<msip::RtpPortAllocator>(settings_.rtpFirst, settings_.rtpLast)),
        strangers_(context.metrics().counter(
            "parley_sip_strangers_total",
            "INVITEs from sources outside every trunk allowlist (answered 403)")),
        active_(context.metrics().gauge("parley_sip_calls_active", "SIP calls in progress")) {
    msip::SipUserAgentConfig uaConfig{.listenUrl = sipUrl(settings_.listen),
                                      .userAgent = "Parley",
                                      .sessionTimerS = settings_.sessionTimerS};
    if (settings_.tlsListen) {
      uaConfig.tlsListenUrl = sipUrl(*settings_.tlsListen, "sips");
      uaConfig.tlsCertificateDir =
          msip::writeSofiaTlsDir(settings_.tlsCertificate, settings_.tlsKey,
                                 settings_.dataDir / "sip-tls")
              .string();
    }
    for (const auto& t : trunks_.all())
      if (t.digest)
        uaConfig.inboundDigest.push_back({.trunk = t.name,
                                          .realm = t.digest->realm,
                                          .username = t.digest->username,
                                          .password = t.digest->password});
    for (const auto& t : trunks_.all()) {
      if (!t.registration) continue;
      const auto& r = *t.registration;
      std::string aor = r.aor;
      if (aor.empty()) {  // sip:<username>@<registrar host>
        auto [scheme, hostPart] = splitTrunkUri(r.registrar);
        aor = scheme + ":" + r.username + "@" + hostPart.substr(0, hostPart.find_first_of(";?"));
      }
      uaConfig.registrations.push_back({.trunk = t.name,
                                        .registrar = r.registrar,
                                        .aor = aor,
                                        .username = r.username,
                                        .password = r.password,
                                        .expiresS = r.expiresS});
      registered(t.name).set(0);
    }
    ua_ = std::make_shared<msip::SipUserAgent>(std::move(uaConfig), this);
    log_.info("SIP listening on {} (UDP+TCP){}, media at {} ports {}-{}, {} trunk(s)",
              settings_.listen.toString(),
              settings_.tlsListen ? " and " + settings_.tlsListen->toString() + " (TLS)" : "",
              settings_.publicIp, settings_.rtpFirst, settings_.rtpLast, trunks_.all().size());
    api_->dial = [this](const DialRequest& r) { return dial(r); };
    registerSipCallRoutes(context.router(), context.api(), api_, settings_.retryAfterS);
    context.setOutboundDialer(this);
  }

  /// OutboundDialer (the fleet's outbound call queue): dial() with the outcome reported once
  /// the call is over. Throws core::UsageError / core::Error when it cannot dial.
  std::string dialQueued(const std::string& requestJson,
                         std::function<void(const std::string& outcome)> onEnded) override {
    DialRequest r = DialRequest::parse(requestJson);
    std::string id;
    try {
      std::lock_guard lock(api_->mutex);
      if (!api_->dial) throw core::Error("SIP is stopping");
      id = dial(r, std::move(onEnded));
    } catch (const DialRefused& e) {
      throw core::Error("cannot dial " + r.to + ": " + e.message);
    }
    return id;
  }

  ~SipSubsystem() override { stop(); }

  void drain() override {}  // context.accepting() is false now: INVITEs get 503

  void stop() override {
    if (stopped_.exchange(true)) return;
    {
      std::lock_guard lock(api_->mutex);
      api_->dial = nullptr;
      api_->live.clear();
    }
    context_.setOutboundDialer(nullptr);
    ua_->stop();  // no more callbacks; sofia sent BYE/487 for what was open
    // End every call on its loop and wait (the loops still run at this point).
    std::vector<std::future<void>> waits;
    for (auto& [ref, side] : calls_) {
      auto done = std::make_shared<std::promise<void>>();
      waits.push_back(done->get_future());
      auto state = side.state;
      if (!state->loop->thread->post([state, done] {
            if (state->call) state->call->hangup();
            state->call.reset();
            done->set_value();
          }))
        done->set_value();
    }
    for (auto& w : waits) w.wait_for(kStopWait);
    for (auto& [ref, side] : calls_)
      if (side.onEnded) side.onEnded(side.answered ? "ended" : "failed");
    calls_.clear();
  }

  // --- SipUserAgentListener (SIP thread) ---

  msip::SipSourceCheck onSipSource(const core::SocketAddress& source) override {
    auto m = trunks_.matchInbound(source);
    if (m.byAddress) return {.accepted = true, .trunk = m.byAddress->name};
    if (m.stranger()) {
      strangers_.inc();
      log_.debug("INVITE from {} matches no trunk: 403", source.toString());
      return {};
    }
    msip::SipSourceCheck check;
    for (const auto* t : m.byDigest) check.digestTrunks.push_back(t->name);
    return check;
  }

  /// Registration state per trunk: the parley_sip_registered gauge, and a log line when it
  /// changes (refreshes that keep it are debug).
  void onSipRegistration(const msip::SipRegistrationState& st) override {
    auto& gauge = registered(st.trunk);
    bool was = gauge.value() > 0;
    gauge.set(st.registered ? 1 : 0);
    if (st.registered && !was)
      log_.info("trunk {}: registered for {} s", st.trunk, st.expiresS);
    else if (!st.registered && st.status >= 300)
      log_.warn("trunk {}: REGISTER failed ({} {}); retrying in {} s", st.trunk, st.status,
                st.phrase, msip::SipRegistrationClient::kRetryS);
    else
      log_.debug("trunk {}: REGISTER {} {} (expires {} s)", st.trunk, st.status, st.phrase,
                 st.expiresS);
  }

  void onSipDigest(msip::SipDigestResult result) override {
    static constexpr const char* kNames[] = {"challenged", "accepted", "forbidden", "bad_request"};
    context_.metrics()
        .counter("parley_sip_digest_total",
                 "inbound INVITE digest checks by result (challenged 401, accepted, forbidden "
                 "403, bad_request 400)",
                 {{"result", kNames[static_cast<int>(result)]}})
        .inc();
  }

  void onSipInvite(const msip::SipInvite& inv) override {
    auto refuse = [&](int status, const char* phrase, const std::string& why, int retry = 0) {
      count(status);
      log_.info("INVITE {} → {} {}: {}", inv.requestUser, status, phrase, why);
      ua_->respond(inv.ref, status, phrase, {}, retry);
    };
    auto tenant = route(inv);
    if (!tenant) return refuse(404, "Not Found", "no tenant has this number");
    if (Admission a = context_.admitCall(); !a.admitted)
      return refuse(503, "Service Unavailable",
                    a.reason + (a.detail.empty() ? "" : ": " + a.detail),
                    a.retryAfterS > 0 ? a.retryAfterS : settings_.retryAfterS);
    if (settings_.maxCalls <= 0 || static_cast<int>(calls_.size()) >= settings_.maxCalls)
      return refuse(503, "Service Unavailable", "sip.max_calls reached", settings_.retryAfterS);
    if (inv.body.empty())
      return refuse(488, "Not Acceptable Here", "INVITE without SDP offer (late offer)");
    std::string why;
    auto offer = msip::parseSdp(inv.body, &why);
    if (!offer) return refuse(488, "Not Acceptable Here", why);
    auto choice = msip::negotiate(*offer, settings_.codecs);
    if (!choice) return refuse(488, "Not Acceptable Here", "no common codec (or SRTP offered)");
    auto port = ports_->acquire();
    if (!port) return refuse(503, "Service Unavailable", "no free RTP port", settings_.retryAfterS);
    auto state = newSipCallState(inv.ref, *port);
    SipSide side{.state = state,
                 .local = msip::SdpLocal{.address = settings_.publicIp,
                                         .port = *port,
                                         .sessionId = std::random_device{}(),
                                         .version = 1,
                                         .direction = msip::answerDirection(offer->direction)},
                 .choice = *choice};
    std::string answer = msip::buildAnswer(side.local, side.choice);

    std::string caller = !inv.assertedIdentity.empty() ? inv.assertedIdentity : inv.fromUser;
    if (auto e164 = tools::normalizePhone(caller)) caller = *e164;
    std::string callee = inv.requestUser;
    if (auto e164 = tools::normalizePhone(callee)) callee = *e164;
    SipCallInfo info{.callId = "sip-" + core::secureRandomHex(16),
                     .callerNumber = caller,
                     .calleeNumber = callee};
    info.transfer =
        referFunction(inv.ref, transferTarget(*tenant,
                                              inv.trunk.empty() ? trunks_.matchSource(inv.source)
                                                                : trunks_.byName(inv.trunk),
                                              inv.source));
    side.info = info;
    calls_[inv.ref] = side;
    {
      std::lock_guard lock(api_->mutex);
      api_->live[info.callId] = {state, tenant->id, choice->dtmfPayloadType >= 0};
    }
    updateActive();
    log_.info("INVITE {} from {} → tenant {} ({} pt {}, dtmf pt {}) call {}", inv.requestUser,
              caller, tenant->id, msip::toString(choice->codec), choice->payloadType,
              choice->dtmfPayloadType, info.callId);
    count(200);
    auto ua = ua_;
    int ringMs = settings_.ringMs;
    CallRef ref = inv.ref;
    bool posted = startCall(
        state, side, core::SocketAddress::fromHostPort(offer->address, offer->port), tenant, info,
        [ua, ref, answer, ringMs](SipCall& call) {
          ua->respond(ref, 180, "Ringing");
          call.answerAfter(ringMs, [ua, ref, answer] { ua->respond(ref, 200, "OK", answer); });
        });
    if (!posted) {
      {
        std::lock_guard lock(api_->mutex);
        api_->live.erase(info.callId);
      }
      calls_.erase(inv.ref);
      updateActive();
      ua_->respond(inv.ref, 503, "Service Unavailable", {}, settings_.retryAfterS);
    }
  }

  /// Places an outbound call (HTTP control thread). Returns the call id; progress goes to
  /// book(). Throws core::UsageError (bad request: 400) or DialRefused (404/503).
  std::string dial(const DialRequest& r,
                   std::function<void(const std::string&)> onEnded = nullptr) {
    auto tenant = context_.tenants().byId(r.tenant);
    if (!tenant) throw DialRefused{404, "unknown tenant '" + r.tenant + "'"};
    const msip::SipTrunk* trunk = nullptr;
    for (const auto& t : trunks_.all())
      if (!t.outboundUri.empty() && (r.trunk.empty() || t.name == r.trunk)) {
        trunk = &t;
        break;
      }
    if (!trunk)
      throw DialRefused{r.trunk.empty() ? 503 : 404,
                        r.trunk.empty() ? "no trunk has an outbound uri (sip.trunks_file)"
                                        : "no trunk '" + r.trunk + "' with an outbound uri"};
    if (Admission a = context_.admitCall(); !a.admitted)
      throw DialRefused{503, "worker " + a.reason + (a.detail.empty() ? "" : ": " + a.detail)};
    if (activeCalls_.load() >= settings_.maxCalls) throw DialRefused{503, "sip.max_calls reached"};
    auto port = ports_->acquire();
    if (!port) throw DialRefused{503, "no free RTP port"};

    // "sip:host[:port][;params]" → "sip:+1555…@host[:port][;params]".
    auto [scheme, hostPart] = splitTrunkUri(trunk->outboundUri);
    std::string host = hostPart.substr(0, hostPart.find_first_of(";?"));
    std::string callerId = trunk->callerId.empty() ? "parley" : trunk->callerId;
    msip::SdpLocal local{.address = settings_.publicIp,
                         .port = *port,
                         .sessionId = std::random_device{}(),
                         .version = 1};
    msip::SipDial d{.requestUri = scheme + ":" + r.to + "@" + hostPart,
                    .from = "<" + scheme + ":" + callerId + "@" + host + ">",
                    .to = "<" + scheme + ":" + r.to + "@" + host + ">",
                    .sdpOffer = msip::buildOffer(local, settings_.codecs),
                    .authUser = trunk->username,
                    .authPassword = trunk->password,
                    .ringTimeoutS = static_cast<unsigned>(r.ringTimeoutS)};
    SipCallInfo info{.callId = "sip-" + core::secureRandomHex(16),
                     .callerNumber = r.to,
                     .calleeNumber = r.to,
                     .outbound = true,
                     .contextJson = r.contextJson};
    CallRef ref = ua_->reserveRef();
    info.transfer = referFunction(ref, transferTarget(*tenant, trunk, {}));
    auto state = newSipCallState(ref, *port);
    SipSide side{.state = state, .local = local, .outbound = true, .tenant = tenant, .info = info};
    side.onEnded = std::move(onEnded);
    api_->book.start(info.callId, tenant->id, r.to);
    api_->live[info.callId] = {state, tenant->id, false};  // callers hold api_->mutex
    ++activeCalls_;
    log_.info("dialing {} through trunk {} for tenant {} call {}", r.to, trunk->name, tenant->id,
              info.callId);
    bool posted = ua_->post([this, ref, side, d]() mutable {
      calls_[ref] = std::move(side);
      updateActive();
      ua_->dial(ref, std::move(d));
    });
    if (!posted) {
      --activeCalls_;
      api_->live.erase(info.callId);
      api_->book.add(info.callId, {"failed", 0, "worker stopping"});
      throw DialRefused{503, "worker stopping"};
    }
    return info.callId;
  }

  void onSipProgress(CallRef ref, const msip::SipProgress& p) override {
    auto it = calls_.find(ref);
    if (it == calls_.end() || !it->second.outbound) return;
    SipSide& side = it->second;
    const std::string& id = side.info.callId;
    if (p.status < 180) return;
    if (p.status < 200) {
      if (api_->book.add(id, {"ringing", p.status, p.phrase}))
        log_.info("call {}: ringing ({} {})", id, p.status, p.phrase);
      return;
    }
    if (p.status >= 300) {
      side.finalSeen = true;
      const char* ev = progressEventForStatus(p.status);
      side.lastEvent = ev;
      api_->book.add(id, {ev, p.status, p.phrase});
      log_.info("call {}: {} ({} {})", id, ev, p.status, p.phrase);
      return;
    }
    if (side.answered) return;  // a 2xx retransmission
    side.answered = true;
    side.finalSeen = true;
    std::string why;
    auto answer = msip::parseSdp(p.body, &why);
    auto choice = answer ? msip::negotiate(*answer, settings_.codecs) : std::nullopt;
    if (!choice) {
      side.answered = false;
      side.lastEvent = "failed";
      api_->book.add(id, {"failed", p.status,
                          "unusable SDP answer: " + (why.empty() ? "no common codec" : why)});
      log_.warn("call {}: answered with an unusable SDP ({}); hanging up", id, why);
      ua_->hangup(ref);
      return;
    }
    side.choice = *choice;
    {
      std::lock_guard lock(api_->mutex);
      if (auto live = api_->live.find(id); live != api_->live.end())
        live->second.dtmf = choice->dtmfPayloadType >= 0;
    }
    api_->book.add(id, {"answered", p.status, p.phrase});
    log_.info("call {}: answered ({} pt {}, dtmf pt {})", id, msip::toString(choice->codec),
              choice->payloadType, choice->dtmfPayloadType);
    auto state = side.state;
    if (!startCall(state, side, core::SocketAddress::fromHostPort(answer->address, answer->port),
                   side.tenant, side.info, [](SipCall& call) { call.start(); }))
      ua_->hangup(ref);
  }

  /// transfer() for a call: REFER to `target` on the SIP thread; null when there is no target.
  std::function<void()> referFunction(CallRef ref, std::string target) {
    if (target.empty()) return nullptr;
    std::weak_ptr<msip::SipUserAgent> weak = ua_;
    core::Logger log = log_;
    return [weak, ref, target, log] {
      auto ua = weak.lock();
      if (!ua) return;
      log.info("transferring dialog {} to {} (REFER)", ref, target);
      ua->refer(ref, target);
    };
  }

  /// NOTIFY sipfrag status (or the REFER's own failure): 1xx is progress; a final status ends
  /// our part of the call either way (RFC 5589 §6.1: the transferor hangs up after success).
  void onSipReferStatus(CallRef ref, int status) override {
    auto it = calls_.find(ref);
    if (it == calls_.end()) return;
    const std::string& id = it->second.info.callId;
    if (status < 200) {
      log_.info("call {}: transfer in progress ({})", id, status);
      return;
    }
    if (status < 300)
      log_.info("call {}: transfer done ({}): hanging up our leg", id, status);
    else
      log_.warn("call {}: transfer failed ({}): hanging up", id, status);
    ua_->hangup(ref);
  }

  void onSipReInvite(CallRef ref, const std::string& body) override {
    auto it = calls_.find(ref);
    if (it == calls_.end()) return ua_->respond(ref, 481, "Call/Transaction Does Not Exist");
    SipSide& side = it->second;
    if (body.empty()) {
      // Session refresh without SDP: answer with the current description (RFC 4028 §7.4).
      return ua_->respond(ref, 200, "OK", msip::buildAnswer(side.local, side.choice));
    }
    auto offer = msip::parseSdp(body);
    if (!offer) return ua_->respond(ref, 488, "Not Acceptable Here");
    // The codec stays as negotiated (no mid-call renegotiation); direction and address follow.
    side.local.version++;
    side.local.direction = msip::answerDirection(offer->direction);
    auto remote = offer->address == "0.0.0.0"
                      ? std::nullopt
                      : core::SocketAddress::fromHostPort(offer->address, offer->port);
    auto state = side.state;
    auto dir = side.local.direction;
    state->loop->thread->post([state, remote, dir] {
      if (state->call) state->call->updateRemote(remote, dir);
    });
    ua_->respond(ref, 200, "OK", msip::buildAnswer(side.local, side.choice));
  }

  void onSipInfoDtmf(CallRef ref, char digit, int durationMs) override {
    auto it = calls_.find(ref);
    if (it == calls_.end()) return;
    auto state = it->second.state;
    state->loop->thread->post([state, digit, durationMs] {
      if (state->call) state->call->deliverDtmf(digit, durationMs);
    });
  }

  void onSipCallEnded(CallRef ref, int status, const std::string& phrase) override {
    auto it = calls_.find(ref);
    if (it == calls_.end()) return;  // refused before anything was allocated
    auto state = it->second.state;
    if (it->second.outbound) {
      SipSide& side = it->second;
      const auto& id = side.info.callId;
      if (side.answered)
        api_->book.add(id, {"ended", 0, ""});
      else if (!side.finalSeen)
        api_->book.add(id, {"failed", status, phrase.empty() ? "no response" : phrase});
      if (side.onEnded)
        side.onEnded(side.answered ? "ended" : side.lastEvent.empty() ? "failed" : side.lastEvent);
    }
    {
      std::lock_guard lock(api_->mutex);
      api_->live.erase(it->second.info.callId);
    }
    calls_.erase(it);
    updateActive();
    log_.debug("dialog {} ended ({} {})", ref, status, phrase);
    state->loop->thread->post([state] {
      if (state->call) state->call->remoteHangup();
    });
  }

 private:
  struct SipSide {
    std::shared_ptr<SipCallState> state;
    msip::SdpLocal local;
    msip::SdpChoice choice;
    bool outbound = false;
    std::shared_ptr<const tools::Tenant> tenant;  ///< outbound: who we call for
    SipCallInfo info;                             ///< outbound: filled at dial time
    bool answered = false;
    bool finalSeen = false;  ///< a final response was reported (busy, no answer, answered…)
    std::string lastEvent;   ///< outbound: busy / no_answer / failed once reported
    /// outbound via OutboundDialer: told the outcome once, when the call is over (SIP thread).
    std::function<void(const std::string&)> onEnded;
  };

  std::shared_ptr<SipCallState> newSipCallState(CallRef ref, uint16_t port) {
    auto state = std::make_shared<SipCallState>();
    state->ref = ref;
    state->ua = ua_;
    state->ports = ports_;
    state->port = port;
    state->loop = &context_.pickLoop();
    return state;
  }

  void updateActive() {
    activeCalls_ = static_cast<int>(calls_.size());
    active_.set(static_cast<double>(calls_.size()));
  }

  /// Opens the RTP leg and the SipCall on the call's media loop, then runs `then` there (ring
  /// and answer inbound; start the session outbound). False if the loop is gone.
  bool startCall(std::shared_ptr<SipCallState> state, const SipSide& side,
                 std::optional<core::SocketAddress> remote,
                 std::shared_ptr<const tools::Tenant> tenant, SipCallInfo info,
                 std::function<void(SipCall&)> then) {
    msip::SipLegConfig cfg{
        .id = info.callId,
        .rtpBind = *core::SocketAddress::fromHostPort(settings_.listen.host(), state->port),
        .remote = std::move(remote),
        .choice = side.choice,
        .direction = side.local.direction,
        .mediaTimeoutMs = settings_.mediaTimeoutMs};
    auto ua = ua_;
    WorkerContext* ctx = &context_;
    return state->loop->thread->post([state, cfg, tenant, info, ua, ctx, then] {
      MediaLoop& l = *state->loop;
      std::unique_ptr<msip::SipLeg> leg;
      try {
        leg = std::make_unique<msip::SipLeg>(l.thread->loop(), *l.pacer, ctx->clock(), cfg, state);
      } catch (const std::exception& e) {
        core::Logger("sip").warn("call {}: cannot open RTP port: {}", info.callId, e.what());
        if (info.outbound)
          ua->hangup(state->ref);
        else
          ua->respond(state->ref, 500, "Server Internal Error");
        return;
      }
      std::weak_ptr<SipCallState> weak = state;
      state->call =
          std::make_unique<SipCall>(std::move(leg), state, tenant, info, *ctx, l, [weak, &l] {
            // Destroy on a later iteration, not inside the leg's callback.
            l.thread->post([weak] {
              if (auto s = weak.lock()) s->call.reset();
            });
          });
      then(*state->call);
    });
  }

  /// Request-URI user first (what trunks put the DID in), else the To user.
  std::shared_ptr<const tools::Tenant> route(const msip::SipInvite& inv) const {
    for (const std::string* n : {&inv.requestUser, &inv.toUser}) {
      auto e164 = tools::normalizePhone(*n);
      if (!e164) continue;
      if (auto t = context_.tenants().byPhoneNumber(*e164)) return t;
    }
    return nullptr;
  }

  core::Gauge& registered(const std::string& trunk) {
    return context_.metrics().gauge("parley_sip_registered",
                                    "1 while the trunk's REGISTER binding is current (sip "
                                    "trunks register:), else 0",
                                    {{"trunk", trunk}});
  }

  void count(int status) {
    context_.metrics()
        .counter("parley_sip_invites_total", "initial INVITEs by final status we sent",
                 {{"status", std::to_string(status)}})
        .inc();
  }

  WorkerContext& context_;
  SipSettings settings_;
  msip::SipTrunks trunks_;
  std::shared_ptr<msip::RtpPortAllocator> ports_;
  core::Counter& strangers_;
  core::Gauge& active_;
  core::Logger log_{"sip"};
  std::shared_ptr<msip::SipUserAgent> ua_;
  std::map<CallRef, SipSide> calls_;  ///< SIP thread only (and stop(), after the thread ended)
  std::atomic<int> activeCalls_{0};   ///< calls_.size() for other threads (admission)
  std::atomic<bool> stopped_{false};

  std::shared_ptr<SipCallApi> api_ = std::make_shared<SipCallApi>();
};

/// sip.enabled is false: nothing to run.
class DisabledSip final : public Subsystem {
 public:
  void stop() override {}
};

}  // namespace

std::unique_ptr<Subsystem> makeSipSubsystem(WorkerContext& context) {
  SipSettings s = readSipSettings(context.settings().raw);
  s.dataDir = context.settings().dataDir;
  if (!s.enabled) return std::make_unique<DisabledSip>();
  return std::make_unique<SipSubsystem>(context, std::move(s));
}

}  // namespace parley::agent
