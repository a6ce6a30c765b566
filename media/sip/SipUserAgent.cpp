#include "media/sip/SipUserAgent.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <future>
#include <map>

#include "core/Error.hpp"
#include "core/Log.hpp"
#include "media/sip/SipDigestServer.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_extra.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport_tag.h>
#pragma GCC diagnostic pop

namespace parley::media::sip {
namespace {

/// Largest body we pass on (an SDP or a sipfrag); anything bigger is not a real call.
constexpr size_t kMaxBodyBytes = 16 * 1024;

std::string userOf(const url_t* url) {
  return url && url->url_user ? url->url_user : "";
}

std::string bodyOf(const sip_t* sip) {
  if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data) return {};
  size_t n = sip->sip_payload->pl_len;
  if (n > kMaxBodyBytes) return {};
  return std::string(sip->sip_payload->pl_data, n);
}

/// "Signal=5\r\nDuration=160" (application/dtmf-relay, the de-facto INFO format).
bool parseDtmfRelay(const std::string& body, char& digit, int& durationMs) {
  auto sig = body.find("Signal=");
  if (sig == std::string::npos || sig + 7 >= body.size()) return false;
  char c = body[sig + 7];
  if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D'))) return false;
  digit = c;
  durationMs = 0;
  auto dur = body.find("Duration=");
  if (dur != std::string::npos) durationMs = std::atoi(body.c_str() + dur + 9);
  return true;
}

}  // namespace

struct SipUserAgent::Impl {
  struct Call {
    CallRef ref = 0;
    nua_handle_t* nh = nullptr;
    bool outbound = false;
    bool established = false;
    int lastStatus = 0;
    std::string lastPhrase;
    std::string authUser, authPassword;
    int authAttempts = 0;
  };

  SipUserAgentConfig config;
  SipUserAgentListener* listener;
  core::Logger log{"sip"};
  su_home_t home[1]{};
  su_root_t* root = nullptr;
  nua_t* nua = nullptr;
  int eventFd = -1;
  su_wait_t wait[1]{};
  int waitIndex = -1;  // su_root registration of the eventfd
  std::mutex mutex;
  std::vector<std::function<void()>> tasks;
  std::atomic<bool> stopping{false};
  std::atomic<bool> stopped{false};
  std::atomic<CallRef> nextRef{1};
  std::map<CallRef, std::unique_ptr<Call>> calls;  // SIP thread only
  /// Per trunk name (config.inboundDigest); SIP thread only.
  std::map<std::string, std::unique_ptr<SipDigestServer>> digest;
  std::vector<std::unique_ptr<SipRegistrationClient>> registrations;  // SIP thread only

  Impl(SipUserAgentConfig c, SipUserAgentListener* l) : config(std::move(c)), listener(l) {
    for (const auto& d : config.inboundDigest)
      digest[d.trunk] = std::make_unique<SipDigestServer>(d.realm, d.username, d.password);
    for (auto& d : config.inboundDigest) d.password.assign(d.password.size(), '\0');
  }

  Call* find(CallRef ref) {
    auto it = calls.find(ref);
    return it == calls.end() ? nullptr : it->second.get();
  }

  bool post(std::function<void()> task) {
    if (stopped.load()) return false;
    {
      std::lock_guard lock(mutex);
      tasks.push_back(std::move(task));
    }
    uint64_t one = 1;
    ssize_t n = ::write(eventFd, &one, sizeof one);
    (void)n;
    return true;
  }

  static int onWake(su_root_magic_t* magic, su_wait_t* w, su_wakeup_arg_t* arg) {
    (void)magic;
    (void)w;
    auto* self = static_cast<Impl*>(arg);
    uint64_t v;
    ssize_t n = ::read(self->eventFd, &v, sizeof v);
    (void)n;
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(self->mutex);
      batch.swap(self->tasks);
    }
    for (auto& t : batch) t();
    return 0;
  }

  void run(std::promise<void>& ready) {
    su_init();
    su_home_init(home);
    root = su_root_create(nullptr);
    eventFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (root && eventFd >= 0) {
      su_wait_create(wait, eventFd, SU_WAIT_IN);
      waitIndex = su_root_register(root, wait, &Impl::onWake, this, 0);
      bool tls = !config.tlsListenUrl.empty();
      // TPTAG_TLS_VERSION(0): OpenSSL's version-flexible method (TLS 1.2/1.3); sofia 1.12's
      // default 1 pins TLS 1.0, which OpenSSL 3 refuses to negotiate.
      nua = nua_create(
          root, &Impl::onEvent, this, NUTAG_URL(config.listenUrl.c_str()),
          TAG_IF(tls, NUTAG_SIPS_URL(config.tlsListenUrl.c_str())),
          TAG_IF(tls, NUTAG_CERTIFICATE_DIR(config.tlsCertificateDir.c_str())),
          TAG_IF(tls, TPTAG_TLS_VERSION(0)), NUTAG_USER_AGENT(config.userAgent.c_str()),
          NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOALERT(0), NUTAG_AUTOANSWER(0), NUTAG_AUTOACK(1),
          NUTAG_SESSION_TIMER(config.sessionTimerS), NUTAG_ENABLEMESSAGE(0), TAG_END());
    }
    if (!nua) {
      std::string where = config.listenUrl;
      if (!config.tlsListenUrl.empty())
        where += " and " + config.tlsListenUrl + " (TLS: agent.pem and cafile.pem in " +
                 config.tlsCertificateDir + ")";
      ready.set_exception(std::make_exception_ptr(core::SystemError(
          "SIP: cannot listen on " + where + " (address in use or not local?)", 0)));
      cleanup();
      return;
    }
    for (const auto& r : config.registrations) {
      auto client = std::make_unique<SipRegistrationClient>(
          r, [this](const SipRegistrationState& st) { listener->onSipRegistration(st); });
      if (client->start(nua, root)) {
        registrations.push_back(std::move(client));
      } else {
        log.warn("trunk {}: cannot REGISTER to {} (bad registrar or aor URI)", r.trunk,
                 r.registrar);
      }
    }
    ready.set_value();
    su_root_run(root);
    registrations.clear();  // after nua_shutdown un-REGISTERed; before the stack goes
    nua_destroy(nua);
    nua = nullptr;
    cleanup();
  }

  void cleanup() {
    if (root) {
      if (waitIndex > 0) su_root_deregister(root, waitIndex);
      su_root_destroy(root);
      root = nullptr;
    }
    if (eventFd >= 0) ::close(eventFd);
    eventFd = -1;
    su_home_deinit(home);
    su_deinit();
  }

  void shutdown() {
    if (!nua) return;
    for (auto& [ref, call] : calls) nua_handle_bind(call->nh, nullptr);
    calls.clear();
    for (auto& r : registrations) r->stopRetrying();
    nua_shutdown(nua);  // also un-REGISTERs (Expires: 0) every registration
  }

  static void onEvent(nua_event_t event, int status, char const* phrase, nua_t* nua,
                      nua_magic_t* magic, nua_handle_t* nh, nua_hmagic_t* hmagic, sip_t const* sip,
                      tagi_t tags[]) {
    auto* self = static_cast<Impl*>(magic);
    self->handle(event, status, phrase ? phrase : "", nua, nh, static_cast<Call*>(hmagic), sip,
                 tags);
  }

  void handle(nua_event_t event, int status, const char* phrase, nua_t* n, nua_handle_t* nh,
              Call* call, sip_t const* sip, tagi_t tags[]) {
    if (!call && nh) {
      for (auto& r : registrations) {
        if (!r->owns(nh)) continue;
        if (event == nua_r_register || event == nua_r_unregister)
          r->onResponse(event == nua_r_unregister, status, phrase, sip);
        return;  // nothing else concerns a registration handle
      }
    }
    switch (event) {
      case nua_r_shutdown:
        if (status >= 200) su_root_break(root);
        return;
      case nua_i_invite:
        if (call) {
          listener->onSipReInvite(call->ref, bodyOf(sip));
        } else {
          onNewInvite(n, nh, sip);
        }
        return;
      case nua_i_ack:
        if (call) {
          call->established = true;
          listener->onSipAck(call->ref);
        }
        return;
      case nua_i_info:
        if (call && sip && sip->sip_content_type && sip->sip_content_type->c_type &&
            strcasecmp(sip->sip_content_type->c_type, "application/dtmf-relay") == 0) {
          char digit = 0;
          int ms = 0;
          if (parseDtmfRelay(bodyOf(sip), digit, ms)) listener->onSipInfoDtmf(call->ref, digit, ms);
        }
        return;
      case nua_r_invite:
        if (call) onInviteResponse(*call, status, phrase, sip);
        return;
      case nua_r_refer:
        if (call && status >= 300) listener->onSipReferStatus(call->ref, status);
        return;
      case nua_i_notify:
        if (call && sip && sip->sip_event && sip->sip_event->o_type &&
            strcasecmp(sip->sip_event->o_type, "refer") == 0) {
          // message/sipfrag: "SIP/2.0 200 OK" (RFC 3515 §2.4.5).
          std::string frag = bodyOf(sip);
          if (frag.rfind("SIP/2.0 ", 0) == 0 && frag.size() >= 11)
            listener->onSipReferStatus(call->ref, std::atoi(frag.c_str() + 8));
        }
        return;
      case nua_i_state: {
        int state = nua_callstate_init;
        tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
        if (call && state == nua_callstate_terminated) endCall(*call);
        return;
      }
      case nua_i_cancel:
      case nua_i_bye:
      case nua_r_bye:
      case nua_r_cancel:
      case nua_i_active:
      case nua_i_terminated:
      case nua_r_set_params:
      case nua_r_notify:
        return;
      default:
        // Requests sofia answered itself on a handle it created (OPTIONS, MESSAGE, stray
        // SUBSCRIBE): release the handle, nothing to keep.
        if (!call && nh && event != nua_r_shutdown) nua_handle_destroy(nh);
        return;
    }
  }

  void onNewInvite(nua_t* n, nua_handle_t* nh, sip_t const* sip) {
    core::SocketAddress source;
    if (msg_t* msg = nua_current_request(n)) {
      if (su_sockaddr_t* a = msg_addr(msg)) source = core::SocketAddress(&a->su_sa);
    }
    SipSourceCheck check = listener->onSipSource(source);
    std::string trunk = check.trunk;
    if (!check.accepted) {
      if (check.digestTrunks.empty()) {
        nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
        nua_handle_destroy(nh);
        return;
      }
      auto admitted = authenticate(nh, sip, check.digestTrunks, source);
      if (!admitted) return;  // answered (401/403/400) and released
      trunk = *admitted;
    }
    auto call = std::make_unique<Call>();
    call->ref = nextRef++;
    call->nh = nh;
    nua_handle_bind(nh, call.get());
    SipInvite inv;
    inv.ref = call->ref;
    inv.source = source;
    inv.trunk = trunk;
    if (sip) {
      if (sip->sip_call_id && sip->sip_call_id->i_id) inv.callId = sip->sip_call_id->i_id;
      if (sip->sip_request) inv.requestUser = userOf(sip->sip_request->rq_url);
      if (sip->sip_to) inv.toUser = userOf(sip->sip_to->a_url);
      if (sip->sip_from) {
        inv.fromUser = userOf(sip->sip_from->a_url);
        if (sip->sip_from->a_display) inv.fromDisplay = sip->sip_from->a_display;
      }
      if (auto* paid = sip_p_asserted_identity(sip)) inv.assertedIdentity = userOf(paid->paid_url);
      if (sip->sip_content_type && sip->sip_content_type->c_type)
        inv.contentType = sip->sip_content_type->c_type;
      inv.body = bodyOf(sip);
    }
    calls.emplace(call->ref, std::move(call));
    listener->onSipInvite(inv);
  }

  /// Digest authentication of a new INVITE (RFC 3261 §22.2) against the candidate trunks'
  /// accounts. Returns the trunk whose credentials matched; otherwise answers the INVITE (401
  /// with a challenge per candidate realm, 403 wrong credentials, 400 incomplete ones),
  /// releases the handle and returns nullopt. Nothing is kept per client.
  std::optional<std::string> authenticate(nua_handle_t* nh, sip_t const* sip,
                                          const std::vector<std::string>& trunks,
                                          const core::SocketAddress& source) {
    const msg_auth_t* creds = sip ? sip->sip_authorization : nullptr;
    const void* body = sip && sip->sip_payload ? sip->sip_payload->pl_data : nullptr;
    size_t bodyLen = sip && sip->sip_payload ? sip->sip_payload->pl_len : 0;
    std::string challenges;
    std::optional<SipDigestServer::Verdict> refusal;  // credentials for one of our realms, wrong
    for (const auto& name : trunks) {
      auto it = digest.find(name);
      if (it == digest.end()) continue;
      auto v = it->second->check(creds, "INVITE", body, bodyLen);
      if (v.outcome == SipDigestServer::Outcome::Accepted) {
        listener->onSipDigest(SipDigestResult::Accepted);
        return name;
      }
      if (v.forOurRealm && v.outcome != SipDigestServer::Outcome::Challenge && !refusal)
        refusal = v;
      if (v.outcome == SipDigestServer::Outcome::Challenge && !v.challenge.empty())
        challenges += "WWW-Authenticate: " + v.challenge + "\r\n";
    }
    if (refusal) {
      bool bad = refusal->outcome == SipDigestServer::Outcome::BadRequest;
      log.debug("INVITE from {}: digest credentials refused ({})", source.toString(),
                refusal->status);
      listener->onSipDigest(bad ? SipDigestResult::BadRequest : SipDigestResult::Forbidden);
      if (bad)
        nua_respond(nh, SIP_400_BAD_REQUEST, TAG_END());
      else
        nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
    } else if (!challenges.empty()) {
      log.debug("INVITE from {}: digest challenge", source.toString());
      listener->onSipDigest(SipDigestResult::Challenged);
      nua_respond(nh, SIP_401_UNAUTHORIZED, SIPTAG_HEADER_STR(challenges.c_str()), TAG_END());
    } else {
      // Candidate trunks without an account here: a configuration mismatch, refuse.
      nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
    }
    nua_handle_destroy(nh);
    return std::nullopt;
  }

  void onInviteResponse(Call& call, int status, const char* phrase, sip_t const* sip) {
    if ((status == 401 || status == 407) && !call.authUser.empty() && call.authAttempts < 2 &&
        sip) {
      // Digest (RFC 3261 §22.2): answer the realm of the challenge with the trunk credentials.
      const msg_auth_t* au =
          status == 401 ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
      const char* realm = au ? msg_header_find_param(au->au_common, "realm=") : nullptr;
      if (realm) {
        ++call.authAttempts;
        std::string r = realm;
        if (r.size() >= 2 && r.front() == '"') r = r.substr(1, r.size() - 2);
        std::string cred = au->au_scheme + std::string(":\"") + r + "\":" + call.authUser + ":" +
                           call.authPassword;
        nua_authenticate(call.nh, NUTAG_AUTH(cred.c_str()), TAG_END());
        return;
      }
    }
    call.lastStatus = status;
    call.lastPhrase = phrase;
    if (status >= 200 && status < 300) call.established = true;
    listener->onSipProgress(call.ref,
                            SipProgress{.status = status, .phrase = phrase, .body = bodyOf(sip)});
  }

  void endCall(Call& call) {
    CallRef ref = call.ref;
    int status = call.lastStatus;
    std::string phrase = call.lastPhrase;
    nua_handle_bind(call.nh, nullptr);
    nua_handle_destroy(call.nh);
    calls.erase(ref);
    listener->onSipCallEnded(ref, status, phrase);
  }

  void respond(CallRef ref, int status, const std::string& phrase, const std::string& body,
               int retryAfterS) {
    Call* call = find(ref);
    if (!call) return;
    if (status >= 300) {
      call->lastStatus = status;
      call->lastPhrase = phrase;
    }
    std::string retry = retryAfterS > 0 ? std::to_string(retryAfterS) : "";
    // nua_respond() is asynchronous and keeps the phrase pointer (tags are copied, the phrase is
    // not), so pass sofia's static phrase for the status; ours only goes to the call record.
    const char* staticPhrase = sip_status_phrase(status);
    nua_respond(call->nh, status, staticPhrase ? staticPhrase : "Unknown",
                TAG_IF(!body.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
                TAG_IF(!body.empty(), SIPTAG_PAYLOAD_STR(body.c_str())),
                TAG_IF(!retry.empty(), SIPTAG_RETRY_AFTER_STR(retry.c_str())), TAG_END());
  }

  void hangup(CallRef ref) {
    Call* call = find(ref);
    if (!call) return;
    if (call->established) {
      nua_bye(call->nh, TAG_END());
    } else if (call->outbound) {
      nua_cancel(call->nh, TAG_END());
    } else {
      respond(ref, 480, "Temporarily Unavailable", {}, 0);
    }
  }

  void dial(CallRef ref, const SipDial& d) {
    auto call = std::make_unique<Call>();
    call->ref = ref;
    call->outbound = true;
    call->authUser = d.authUser;
    call->authPassword = d.authPassword;
    call->nh =
        nua_handle(nua, call.get(), NUTAG_URL(d.requestUri.c_str()), SIPTAG_TO_STR(d.to.c_str()),
                   SIPTAG_FROM_STR(d.from.c_str()),
                   TAG_IF(d.ringTimeoutS > 0, NUTAG_INVITE_TIMER(d.ringTimeoutS)), TAG_END());
    if (!call->nh) {
      listener->onSipCallEnded(ref, 0, "cannot create handle");
      return;
    }
    Call* c = call.get();
    calls.emplace(ref, std::move(call));
    nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
               SIPTAG_PAYLOAD_STR(d.sdpOffer.c_str()), TAG_END());
  }
};

SipUserAgent::SipUserAgent(SipUserAgentConfig config, SipUserAgentListener* listener)
    : impl_(std::make_unique<Impl>(std::move(config), listener)) {
  std::promise<void> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, &ready] { impl_->run(ready); });
  try {
    started.get();
  } catch (...) {
    impl_->stopped = true;
    thread_.join();
    throw;
  }
}

SipUserAgent::~SipUserAgent() {
  stop();
}

void SipUserAgent::stop() {
  if (impl_->stopping.exchange(true)) {
    if (thread_.joinable() && !onSipThread()) thread_.join();
    return;
  }
  impl_->post([impl = impl_.get()] { impl->shutdown(); });
  if (thread_.joinable()) thread_.join();
  impl_->stopped = true;
}

bool SipUserAgent::post(std::function<void()> task) {
  if (impl_->stopping.load()) return false;
  if (onSipThread()) {
    task();
    return true;
  }
  return impl_->post(std::move(task));
}

void SipUserAgent::respond(CallRef ref, int status, std::string phrase, std::string body,
                           int retryAfterS) {
  post([impl = impl_.get(), ref, status, phrase = std::move(phrase), body = std::move(body),
        retryAfterS] { impl->respond(ref, status, phrase, body, retryAfterS); });
}

void SipUserAgent::hangup(CallRef ref) {
  post([impl = impl_.get(), ref] { impl->hangup(ref); });
}

CallRef SipUserAgent::dial(SipDial d) {
  CallRef ref = reserveRef();
  dial(ref, std::move(d));
  return ref;
}

CallRef SipUserAgent::reserveRef() {
  return impl_->nextRef++;
}

void SipUserAgent::dial(CallRef ref, SipDial d) {
  post([impl = impl_.get(), ref, d = std::move(d)] { impl->dial(ref, d); });
}

void SipUserAgent::refer(CallRef ref, std::string target) {
  post([impl = impl_.get(), ref, target = std::move(target)] {
    if (auto* call = impl->find(ref))
      nua_refer(call->nh, SIPTAG_REFER_TO_STR(target.c_str()), TAG_END());
  });
}

}  // namespace parley::media::sip
