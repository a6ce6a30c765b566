#pragma once
// A session binds one call leg to one conversation and one tenant for the life of a call
// (DESIGN.md §1, §3): caller frames from the leg go to the conversation (VAD, STT, turn-taking),
// the conversation's speech goes back to the leg's playout buffer, and the booking tools act on
// the tenant's store. It lives on ONE media loop thread from start to end (DESIGN.md §2).
//
// How a leg subsystem (WebRTC WHIP, SIP, console) starts a call:
//
//   agent::MediaLoop& loop = context.pickLoop();                 // any thread
//   loop.thread->post([&loop, &context, leg = std::move(leg), ...]() mutable {
//     agent::SessionParams p;                                    // on the media loop thread
//     p.tenant = tenant;                  // shared_ptr<const tools::Tenant>
//     p.leg = std::move(leg);             // unique_ptr<media::CallLeg>, created on this loop
//     p.callerNumber = "+15555550123";    // caller ID ("" for browsers)
//     p.callId = "call-…";                // unique; idempotency keys and logs use it
//     p.providers = providerSettingsFor(*tenant);  // STT/LLM/TTS endpoints + knobs
//     p.store = bookingStore;             // shared_ptr<tools::BookingStore>, thread-safe
//     std::weak_ptr<agent::Session> s = agent::Session::start(loop, context.sessions(),
//     std::move(p));
//   });
//
// Session::start() takes the leg, calls leg->start(), opens the STT/TTS streams, greets the
// caller, and keeps the session alive by itself until the call ends: the caller hangs up
// (onLegHangup), the agent ends it (end_call tool, silence, max duration, fatal provider error),
// or someone calls hangup(). Then observers get onSessionEnded(record), the registry's ended()
// is called, and the session frees itself on a later loop iteration. Hold only a weak_ptr across
// threads; lock() it on the loop thread only (the session's destructor must run there — do not
// keep the last shared_ptr on another thread).
//
// Errors: start() throws core::Error (control path) if the leg or the providers cannot be set
// up; nothing is registered then. After start() nothing throws: provider failures become a
// short spoken apology and, if unrecoverable, a clean hangup (issue 7 "never dead air").
#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/session/ProviderSettings.hpp"
#include "agent/session/SessionObserver.hpp"
#include "core/Clock.hpp"
#include "dialog/conversation/ConversationEvents.hpp"

namespace parley::media {
class CallLeg;
}
namespace parley::tools {
struct Tenant;
class BookingStore;
}  // namespace parley::tools

namespace parley::agent {

struct MediaLoop;
class SessionRegistry;
class SessionImpl;

/// Everything a session is made from.
struct SessionParams {
  std::shared_ptr<const tools::Tenant> tenant;  ///< required
  std::unique_ptr<media::CallLeg> leg;          ///< required; created on the session's loop
  std::string callerNumber;                     ///< caller ID, any format; "" if unknown
  /// The number that was called (the DID of an inbound phone call, or the number we dialled
  /// out); "" for browsers.
  std::string calleeNumber;
  /// We placed this call (outbound): the person who answers is the customer (`callerNumber`
  /// then holds their number, which is what the booking tools record) and the agent opens with
  /// an outbound greeting instead of the tenant's inbound one.
  bool outbound = false;
  /// Facts about the person called, a JSON object as text (POST /v1/calls "context"), e.g.
  /// {"name":"Ada","reason":"annual checkup due"}. Appended to the system prompt; "name" is used
  /// in the outbound greeting and a "greeting" string replaces it. "" if none.
  std::string callContext;
  std::string callId;  ///< required, unique per call
  ProviderSettings providers;
  std::shared_ptr<tools::BookingStore> store;  ///< required
  /// Time source for turn-taking decisions and records. Null: the system clock. `parley
  /// console` and tests pass a core::ManualClock (virtual time); borrowed, must outlive the
  /// session.
  core::Clock* clock = nullptr;
  /// The leg has acoustic echo cancellation (browsers do; phones do not). Without it the
  /// conversation guards barge-in against the agent's own echo (see dialog EchoGuard).
  bool legHasEchoCancellation = false;
  /// The leg can hand the call to a person (SIP REFER). Without it transfer_call is answered
  /// "not possible" and the agent says so.
  bool legCanTransfer = false;
  /// Hands the caller over (with legCanTransfer): called on the session's loop once the agent's
  /// announcement has been played. The call then goes on until the leg ends it (the far end
  /// hangs up after the transfer, or the SIP side ends it when the transfer fails); the record's
  /// end reason is "transfer".
  std::function<void()> transfer;
  /// The libuv loop to run on when `loop.thread` is null (`parley console` runs its own loop on
  /// the main thread). Ignored when the MediaLoop has a thread.
  uv_loop_t* uvLoop = nullptr;
};

class Session {
 public:
  /// Creates and starts a session on `loop` (must be called on that loop's thread). Registers
  /// with `registry` (started(); ended() exactly once when the call ends) and increments
  /// loop.sessions. Throws core::Error if params are incomplete or the leg fails to start.
  /// `registry` is borrowed and must outlive the session.
  static std::shared_ptr<Session> start(MediaLoop& loop, SessionRegistry& registry,
                                        SessionParams params);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Ends the call from our side now (worker stop, operator action). Idempotent. Loop thread.
  void hangup();
  /// Borrowed observer; called on the loop thread. Observers added after the end get nothing.
  void addObserver(SessionObserver* observer);
  void removeObserver(SessionObserver* observer);

  const std::string& callId() const;
  const std::string& calleeNumber() const;
  const tools::Tenant& tenant() const;
  dialog::TurnState state() const;
  bool ended() const;
  /// The call record so far (complete after the end).
  const dialog::CallRecord& record() const;
  /// The leg (e.g. the WebRTC subsystem reads its stats). Loop thread.
  media::CallLeg& leg();
  MediaLoop& loop();

  /// Virtual-clock driving (console, tests): true while the conversation waits on a provider or a
  /// tool and no agent audio is queued, i.e. stepping media time now would only add silence that
  /// a real call would spend waiting. Real-time legs ignore it.
  bool waitingOnProviders() const;
  /// Re-evaluates time-based decisions (endpointing cap, filler, reprompt) against the clock.
  /// Called on every caller frame anyway; virtual drivers call it after advancing the clock.
  void poll();

 private:
  explicit Session(std::unique_ptr<SessionImpl> impl);
  std::unique_ptr<SessionImpl> impl_;
  friend class SessionImpl;
};

}  // namespace parley::agent
