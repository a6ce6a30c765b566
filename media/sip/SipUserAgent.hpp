#pragma once
// Parley's SIP user agent on a trunk: sofia-sip's NUA (RFC 3261 transactions, dialogs, session
// timers RFC 4028, digest client RFC 3261 §22) on its own thread with its own su_root event
// loop (DESIGN.md §2: signalling runs off the media loops). sofia types stay in the .cpp.
//
// Threading: every SipUserAgentListener callback runs on the SIP thread. Every public method
// is thread-safe: called elsewhere, it is queued to the SIP thread (an eventfd registered with
// the su_root wakes it). Calls are named by a CallRef (never reused), so a request for a call
// that has already ended is simply ignored.
//
// Media is not here: SDP bodies are passed through as strings (NUTAG_MEDIA_ENABLE(0), sofia's
// own offer/answer engine is off) and SipSdp/SipLeg do the rest.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/SocketAddress.hpp"
#include "media/sip/SipRegistrationClient.hpp"

namespace parley::media::sip {

using CallRef = uint64_t;

/// A trunk whose INVITEs must carry digest credentials (RFC 3261 §22.2). Keyed by trunk name:
/// SipUserAgentListener::onSipSource() names the trunks an INVITE may belong to.
struct SipInboundCredentials {
  std::string trunk;
  std::string realm;
  std::string username;
  std::string password;
};

struct SipUserAgentConfig {
  /// Where to listen, a sofia URL: "sip:0.0.0.0:5060" listens on UDP and TCP;
  /// ";transport=udp" restricts. The host must be numeric (never block on DNS).
  std::string listenUrl = "sip:0.0.0.0:5060";
  std::string userAgent = "Parley";
  /// Session-Expires we ask for / accept (RFC 4028); 0 disables session timers.
  unsigned sessionTimerS = 1800;
  /// SIP over TLS as well (RFC 3261 §26.2; Twilio "Secure Trunking" uses port 5061): a sofia
  /// URL such as "sips:0.0.0.0:5061", empty = no TLS. Needs tlsCertificateDir.
  std::string tlsListenUrl;
  /// Directory in sofia's layout: agent.pem (private key and certificate chain, PEM) and
  /// cafile.pem (CAs; sofia refuses to start TLS without it).
  std::string tlsCertificateDir;
  /// Trunks that authenticate inbound calls by digest (SipDigestServer per trunk).
  std::vector<SipInboundCredentials> inboundDigest;
  /// Registrations kept up while the agent runs (SipRegistrationClient each).
  std::vector<SipRegistrationConfig> registrations;
};

/// Who an INVITE's transport source may be, decided before anything is allocated for it.
struct SipSourceCheck {
  bool accepted = false;  ///< by address alone, as `trunk`
  std::string trunk;
  /// Not accepted by address: the trunks whose digest credentials may admit it (401 challenge,
  /// then the retried INVITE's Authorization is checked). Empty too: 403, a stranger.
  std::vector<std::string> digestTrunks;
};

/// Outcome of checking an INVITE's digest credentials (for counters; strangers are not logged).
enum class SipDigestResult {
  Challenged,  ///< 401 sent (no credentials for our realms, or a stale/foreign nonce)
  Accepted,    ///< the INVITE goes on to onSipInvite
  Forbidden,   ///< wrong credentials: 403
  BadRequest,  ///< incomplete Authorization: 400
};

/// A new INVITE that passed the source check. All strings are as received (bounded by sofia's
/// message size limit); the SDP body may be empty (late offer).
struct SipInvite {
  CallRef ref = 0;
  core::SocketAddress source;  ///< transport source of the request
  std::string callId;          ///< Call-ID header
  std::string requestUser;     ///< user part of the Request-URI (the DID on most trunks)
  std::string toUser;          ///< user part of To
  std::string fromUser;        ///< user part of From (caller's number on most trunks)
  std::string fromDisplay;
  std::string assertedIdentity;  ///< user part of P-Asserted-Identity, if present (RFC 3325)
  std::string contentType;
  std::string body;
  std::string method = "INVITE";
  std::string
      trunk;  ///< the trunk that admitted it (by address or digest), if the listener named one
};

/// Progress of an outbound call.
struct SipProgress {
  int status = 0;  ///< 180/183 ringing, 200 answered, ≥ 300 failed
  std::string phrase;
  std::string body;  ///< SDP answer on 200 (or early media 183)
};

class SipUserAgentListener {
 public:
  virtual ~SipUserAgentListener() = default;
  /// First look at an INVITE, before anything is allocated for it: who may be calling from
  /// `source`. Neither accepted nor any digest trunk answers 403 at once (strangers: count them,
  /// do not log at info). SIP thread.
  virtual SipSourceCheck onSipSource(const core::SocketAddress& source) {
    (void)source;
    return SipSourceCheck{.accepted = true};
  }
  /// A digest check of an INVITE happened (see SipDigestResult). SIP thread.
  virtual void onSipDigest(SipDigestResult result) { (void)result; }
  /// A REGISTER (first, refresh, retry or the final un-REGISTER) got its final response.
  virtual void onSipRegistration(const SipRegistrationState& state) { (void)state; }
  /// A new call. The listener must answer it with respond() (now or later).
  virtual void onSipInvite(const SipInvite& invite) = 0;
  /// A re-INVITE inside the dialog (hold, unhold, new address, session refresh). Must respond().
  virtual void onSipReInvite(CallRef ref, const std::string& body) = 0;
  /// ACK for our 2xx: the call is established.
  virtual void onSipAck(CallRef ref) { (void)ref; }
  /// SIP INFO application/dtmf-relay (a key press signalled out of band).
  virtual void onSipInfoDtmf(CallRef ref, char digit, int durationMs) {
    (void)ref, (void)digit, (void)durationMs;
  }
  /// Outbound call progress (provisional, answer, failure).
  virtual void onSipProgress(CallRef ref, const SipProgress& progress) {
    (void)ref, (void)progress;
  }
  /// REFER outcome: the status line in the NOTIFY sipfrag (RFC 3515 §2.4.5), or the REFER's
  /// own failure status.
  virtual void onSipReferStatus(CallRef ref, int status) { (void)ref, (void)status; }
  /// The dialog is over (BYE either way, CANCEL, failure, timeout). `status`: the final status
  /// seen (e.g. 487 after CANCEL), 0 if none. The ref is dead afterwards.
  virtual void onSipCallEnded(CallRef ref, int status, const std::string& phrase) = 0;
};

/// An outbound INVITE through a trunk.
struct SipDial {
  std::string requestUri;  ///< e.g. "sip:+15551234567@example.pstn.twilio.com"
  std::string from;        ///< e.g. "<sip:+15550001111@parley.example>"
  std::string to;          ///< e.g. "<sip:+15551234567@example.pstn.twilio.com>"
  std::string sdpOffer;
  std::string authUser;  ///< digest credentials for 401/407 (empty: none)
  std::string authPassword;
  /// Seconds to wait for an answer before sofia CANCELs the INVITE (NUTAG_INVITE_TIMER; the
  /// call then ends with 408 or 487). 0: sofia's default (120 s).
  unsigned ringTimeoutS = 0;
};

class SipUserAgent {
 public:
  /// Starts the SIP thread and binds the listen URL. Throws core::SystemError if sofia cannot
  /// listen (address in use, bad URL). `listener` is borrowed and must outlive the agent.
  SipUserAgent(SipUserAgentConfig config, SipUserAgentListener* listener);
  /// stop()s.
  ~SipUserAgent();
  SipUserAgent(const SipUserAgent&) = delete;
  SipUserAgent& operator=(const SipUserAgent&) = delete;

  /// Shuts sofia down (active calls get BYE/487 from the stack) and joins the thread. Idempotent.
  void stop();

  /// Answers an INVITE / re-INVITE. `body` non-empty: sent as application/sdp.
  /// `retryAfterS` > 0 adds Retry-After (RFC 3261 §20.33; with 503).
  void respond(CallRef ref, int status, std::string phrase, std::string body = {},
               int retryAfterS = 0);
  /// Ends an established call (BYE) or an unanswered outbound one (CANCEL).
  void hangup(CallRef ref);
  /// Starts an outbound call; its events come with the returned ref.
  CallRef dial(SipDial dial);
  /// A fresh ref for dial(ref, …), so the caller can file the call under its ref before any of
  /// its events can arrive. Thread-safe.
  CallRef reserveRef();
  /// Starts an outbound call under a ref from reserveRef(). If the request cannot even be built
  /// (bad URI), onSipCallEnded(ref, 0, reason) follows.
  void dial(CallRef ref, SipDial dial);
  /// Blind transfer (RFC 3515): REFER with Refer-To `target`; outcome via onSipReferStatus.
  void refer(CallRef ref, std::string target);
  /// Runs `task` on the SIP thread. Returns false once stopped.
  bool post(std::function<void()> task);
  bool onSipThread() const { return std::this_thread::get_id() == thread_.get_id(); }

  struct Impl;  // sofia state; public so the C callbacks in the .cpp can reach it

 private:
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace parley::media::sip
