#pragma once
// The WHIP endpoint (RFC 9725 semantics) and browser calls (issue 8): HTTP signalling on the
// control loop, media on the media loops that own the worker's WebRTC UDP sockets.
//
//   OPTIONS /whip/{tenant}            → 204 + CORS, Accept-Post: application/sdp
//   POST    /whip/{tenant}            → 201 + Location + ETag + SDP answer
//                                       (in this order: 404 tenant, 401 bearer token, 415
//                                       content type, 413 body too large, 400 malformed SDP,
//                                       406 no usable audio, 503 + Retry-After when draining,
//                                       starting or full; the JSON error body says why)
//   DELETE  /whip/{tenant}/{session}  → 200, the call ends (401 bearer token, 404 unknown or
//                                       already ended)
//   GET     /v1/sessions/{id}/events  → live text/event-stream of the call's events, ending
//                                       after "ended"; keep-alive comment every 15 s;
//                                       ?once=1 → the events so far (snapshot), then close
//   GET     /v1/tenants               → [{id, name, language, auth}] for the page
//   GET     /                         → the test-call page (agent/web/)
//
// Bearer tokens (RFC 6750): a tenant's own `webrtc.bearer_token` (tenant file) wins; tenants
// without one use the worker-wide `webrtc.bearer_token`; neither set = open. Compared in
// constant time, never logged.
//
// Threading: route handlers run on the control loop and never block: the answer is computed
// there (SDP + the worker certificate's fingerprint + fresh ICE credentials) and the leg is
// created by a task posted to the call's media loop, where it lives for good (DESIGN.md §2).
// A socket is read by one loop, and a call's packets arrive on the socket its answer named, so:
//   webrtc.port 0 (default): one socket on a free port per media loop; each call goes to the
//     loop with the fewest sessions (counting calls still starting) and its answer carries
//     that loop's port.
//   webrtc.port N: one socket on N, on the first media loop, which then runs every browser
//     call (spreading them would need packets handed between threads).
#include <memory>

#include "agent/WorkerContext.hpp"

namespace parley::agent {

/// Builds the WHIP subsystem, binds `webrtc.port`, registers its routes. Throws core::Error
/// (e.g. the port is taken) — the worker exits with the message.
std::unique_ptr<Subsystem> makeWhipSubsystem(WorkerContext& context);

}  // namespace parley::agent
