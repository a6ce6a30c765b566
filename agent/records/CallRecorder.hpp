#pragma once
// Records every call the worker runs and reports its business events (issue 10): watches each
// session as it starts (SessionRegistry::announce), and when the call ends writes its record to
// the CallRecordStore on the fleet loop thread — never on the call's media loop, so a slow disk
// never delays audio. Listeners (webhook outbox, Redis call stream) get call.started,
// call.ended and appointment.booked/cancelled/rescheduled events on that same thread.
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/SessionRegistry.hpp"
#include "agent/records/CallRecordStore.hpp"
#include "core/Log.hpp"
#include "core/Metrics.hpp"

namespace parley::core {
class LoopThread;
}

namespace parley::agent {

/// One business event of a call, as webhooks and the Redis stream carry it.
struct CallEvent {
  std::string id;    ///< stable, unique ("evt_" + 24 hex): receivers deduplicate with it
  std::string type;  ///< "call.started", "call.ended", "appointment.booked", …
  std::string tenant;
  std::string callId;
  WallMs at{};
  /// call.started: {id, tenant, leg, caller, callee, started_at}; call.ended: the call record
  /// (toJson); appointment.*: {call_id, appointment: {…}} from the booking tool's result.
  nlohmann::json data;
  /// {"id","type","created_at","tenant","data"}: the webhook body.
  nlohmann::json envelope() const;
};

/// Sees every CallEvent, on the fleet loop thread, in order per call.
class CallEventListener {
 public:
  virtual ~CallEventListener() = default;
  virtual void onCallEvent(const CallEvent& event) = 0;
};

/// The business event a finished tool call means: "appointment.booked", ".cancelled" or
/// ".rescheduled" with {"appointment": …} from the booking tool's result, or nullopt (other tools,
/// errors, and idempotent replays, which changed nothing).
std::optional<std::pair<std::string, nlohmann::json>> appointmentEvent(
    const dialog::ToolCallRecord& call);

/// "evt_" + 24 random hex digits (96 bits).
std::string newEventId();

class CallRecorder final : public SessionWatcher {
 public:
  /// `store` and `fleetLoop` are borrowed and must outlive every session (the worker stops the
  /// media loops before them). Counts writes in parley_call_records_total{result}.
  CallRecorder(CallRecordStore& store, core::LoopThread& fleetLoop,
               core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  ~CallRecorder() override;

  /// Borrowed; add before calls start. Runs on the fleet loop thread.
  void addListener(CallEventListener* listener);
  /// Media loop thread (inside Session::start): starts watching `session`.
  void onSessionStarted(Session& session) override;

  /// The fleet thread side of a call's events (public for tests that have no session):
  /// stores `call` and reports call.ended. Fleet loop thread.
  void recordEnded(const StoredCall& call);
  /// Reports an event to the listeners. Fleet loop thread.
  void publish(const CallEvent& event);

  class Tap;

 private:
  CallRecordStore& store_;
  core::LoopThread& loop_;
  std::vector<CallEventListener*> listeners_;  ///< borrowed
  core::Counter& written_;
  core::Counter& failed_;
  core::Logger log_{"records"};
};

}  // namespace parley::agent
