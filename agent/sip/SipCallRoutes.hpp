#pragma once
// The HTTP face of SIP calls (issue 9): POST /v1/calls dials out, POST /v1/calls/{id}/dtmf
// presses keys on a call in progress, GET /v1/calls/{id}/progress reports an outbound call's
// progress. The routes live in the worker's router and may outlive the SIP subsystem, so they
// reach it only through a SipCallApi it empties when it stops (they answer 503 then).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/WorkerContext.hpp"
#include "agent/api/ApiKeys.hpp"
#include "agent/http/Router.hpp"
#include "agent/sip/OutboundCall.hpp"
#include "agent/sip/SipCall.hpp"
#include "media/sip/RtpPortAllocator.hpp"
#include "media/sip/SipUserAgent.hpp"

namespace parley::agent {

/// Per-call state shared by the SIP thread (which creates it) and the call's media loop (which
/// owns `call`). Also the leg's signalling: a local hangup becomes a BYE. Frees its RTP port
/// when the last holder lets go.
struct SipCallState final : media::sip::SipLegSignalling {
  media::sip::CallRef ref = 0;
  std::shared_ptr<media::sip::SipUserAgent> ua;
  std::shared_ptr<media::sip::RtpPortAllocator> ports;
  uint16_t port = 0;
  MediaLoop* loop = nullptr;
  std::unique_ptr<SipCall> call;  ///< media loop thread only

  ~SipCallState() override {
    if (ports && port) ports->release(port);
  }
  void onSipLegEnded(media::HangupReason) override { ua->hangup(ref); }
};

/// A dial request we cannot place: the HTTP status and why (404 unknown tenant or trunk, 503
/// no outbound trunk, draining, full).
struct DialRefused {
  int status;
  std::string message;
};

/// What the routes share with the SIP subsystem. Every field is guarded by `mutex`.
struct SipCallApi {
  /// A call in progress, for POST /v1/calls/{id}/dtmf.
  struct LiveCall {
    std::weak_ptr<SipCallState> state;
    std::string tenant;
    bool dtmf = false;  ///< answered with telephone-event negotiated
  };
  std::mutex mutex;
  /// Places an outbound call and returns its id; throws core::UsageError (400) or DialRefused.
  /// Empty once SIP stopped. Called with `mutex` held.
  std::function<std::string(const DialRequest&)> dial;
  CallProgressBook book;
  std::map<std::string, LiveCall> live;  ///< by call id
};

/// Adds the three routes to `router`, each behind `guard` (an API key: 401 without one, 429
/// over its rate — a call costs money; a key sees only its own tenants, others are 404):
/// - POST /v1/calls {"tenant","to","context"?,"trunk"?,"ring_timeout_s"?} → 201
///   {"call_id","state":"dialing","progress_url"}; 400 bad body, 404 unknown tenant/trunk,
///   503 (+ Retry-After: `retryAfterS`) no outbound trunk, draining, full or stopped.
/// - POST /v1/calls/{id}/dtmf {"digits":"1#","duration_ms"?:100} → 202 {"call_id","queued"}:
///   RFC 4733 key presses to the far end (a phone menu on an outbound call). 400 bad digits
///   (0-9 * # A-D, 1-32) or duration (40-2000 ms), 404 no such call in progress, 409 not
///   answered yet or no telephone-event negotiated.
/// - GET /v1/calls/{id}/progress → the call's progress events (CallProgressBook::json), 404 if
///   unknown.
void registerSipCallRoutes(Router& router, ApiGuard& guard, std::shared_ptr<SipCallApi> api,
                           int retryAfterS);

}  // namespace parley::agent
