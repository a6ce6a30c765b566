#pragma once
// Runs one scripted call to its end on a loop owned by the calling thread (`parley console`, the
// end-to-end tests). Two modes:
//  * real time: the leg is paced by a media::Pacer; the loop just runs.
//  * virtual time (ManualClock): media time advances 20 ms per leg step as fast as the CPU
//    allows while nobody waits; while the conversation waits on a provider or a tool, or while
//    the caller has the floor (the STT must hear them at their own pace to answer in time), the
//    loop runs in real time and the clock advances by the real time that passed. So provider
//    latencies stay real, and agent speech and silences cost no wall time.
#include <uv.h>

#include "core/Clock.hpp"

namespace parley::agent {

class Session;
class ScriptedCallerLeg;

/// Virtual time. Returns when the session ended (and was released) or `maxMediaMs` passed
/// (then the session is hung up).
void runCallVirtual(uv_loop_t* loop, core::ManualClock& clock, Session& session,
                    ScriptedCallerLeg& leg, int64_t maxMediaMs = 30 * 60 * 1000);

/// Real time: runs the loop until the session ended and was released.
void runCallRealtime(uv_loop_t* loop, Session& session);

/// Runs `loop` for at most `ms` of real time (returns earlier only if the loop has nothing
/// left). Used to let teardown callbacks finish.
void runLoopFor(uv_loop_t* loop, int ms);

}  // namespace parley::agent
