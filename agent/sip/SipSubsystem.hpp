#pragma once
// The worker's SIP trunk subsystem (issue 9): the sofia user agent on its own thread and the
// inbound call policy — source allowlist, DID → tenant routing, admission, SDP negotiation —
// handing each admitted call to a media loop as a SipLeg + SipCall.
#include <memory>

#include "agent/WorkerContext.hpp"

namespace parley::agent {

/// Reads sip.* from the worker settings. With sip.enabled false, returns a subsystem that holds
/// nothing. Throws core::ConfigError (bad trunks file, rtp_ports) or core::SystemError (cannot
/// listen) — the worker reports these at start.
std::unique_ptr<Subsystem> makeSipSubsystem(WorkerContext& context);

}  // namespace parley::agent
