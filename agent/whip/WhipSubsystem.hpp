#pragma once
// The WHIP endpoint (RFC 9725 semantics) and browser calls (issue 8): HTTP signalling on the
// control loop, media on one media loop that owns the worker's WebRTC UDP port.
//
//   OPTIONS /whip/{tenant}            → 204 + CORS, Accept-Post: application/sdp
//   POST    /whip/{tenant}            → 201 + Location + ETag + SDP answer
//                                       (415 content type, 400 malformed SDP, 406 no usable
//                                       audio, 401 bearer token, 404 tenant, 503 + Retry-After)
//   DELETE  /whip/{tenant}/{session}  → 200, the call ends
//   GET     /v1/sessions/{id}/events  → text/event-stream of the call's events
//   GET     /                         → the test-call page (agent/web/)
//
// Threading: route handlers run on the control loop and never block: the answer is computed
// there (SDP + the worker certificate's fingerprint + fresh ICE credentials) and the leg is
// created by a task posted to the media loop. All WebRTC calls live on that one loop because the
// UDP port is one socket (DESIGN.md §2: a session is pinned to one loop for life).
#include <memory>

#include "agent/WorkerContext.hpp"

namespace parley::agent {

/// Builds the WHIP subsystem, binds `webrtc.port`, registers its routes. Throws core::Error
/// (e.g. the port is taken) — the worker exits with the message.
std::unique_ptr<Subsystem> makeWhipSubsystem(WorkerContext& context);

}  // namespace parley::agent
