#include "agent/records/CallRecorder.hpp"

#include "agent/session/Session.hpp"
#include "core/LoopThread.hpp"
#include "core/SecureRandom.hpp"
#include "media/sip/SipLeg.hpp"
#include "media/webrtc/WebRtcLeg.hpp"
#include "tools/Tenant.hpp"

namespace parley::agent {
namespace {

WallMs wallNow() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string legKind(Session& s) {
  media::CallLeg& leg = s.leg();
  if (dynamic_cast<media::WebRtcLeg*>(&leg)) return "webrtc";
  if (dynamic_cast<media::sip::SipLeg*>(&leg)) return "sip";
  return "other";
}

}  // namespace

std::optional<std::pair<std::string, nlohmann::json>> appointmentEvent(
    const dialog::ToolCallRecord& call) {
  if (call.error) return std::nullopt;
  auto result = nlohmann::json::parse(call.result, nullptr, false);
  if (!result.is_object() || result.value("replayed", false)) return std::nullopt;
  std::string status = result.value("status", "");
  if (status != "booked" && status != "cancelled" && status != "rescheduled") return std::nullopt;
  return std::make_pair("appointment." + status,
                        result.value("appointment", nlohmann::json::object()));
}

std::string newEventId() {
  return "evt_" + core::secureRandomHex(24);
}

nlohmann::json CallEvent::envelope() const {
  return {{"id", id},
          {"type", type},
          {"created_at", rfc3339Ms(at)},
          {"tenant", tenant},
          {"data", data}};
}

// Watches one session on its media loop thread; copies what it needs and posts it to the fleet
// loop. Deletes itself after onSessionEnded (the session's last callback).
class CallRecorder::Tap final : public SessionObserver {
 public:
  Tap(CallRecorder& owner, Session& session) : owner_(owner) {
    call_.record.callId = session.callId();
    call_.record.tenantId = session.tenant().id;
    call_.record.callerNumber = session.record().callerNumber;
    call_.leg = legKind(session);
    call_.callee = session.calleeNumber();
    // A leg that does not say which number was dialled: a SIP tenant with one DID was called on it.
    const auto& dids = session.tenant().phoneNumbers;
    if (call_.callee.empty() && call_.leg == "sip" && dids.size() == 1) call_.callee = dids.front();
    call_.startedAt = wallNow();
    CallEvent e{newEventId(),
                "call.started",
                call_.record.tenantId,
                call_.record.callId,
                call_.startedAt,
                {{"id", call_.record.callId},
                 {"tenant", call_.record.tenantId},
                 {"leg", call_.leg},
                 {"caller", call_.record.callerNumber},
                 {"callee", call_.callee},
                 {"started_at", rfc3339Ms(call_.startedAt)}}};
    post([e = std::move(e)](CallRecorder& r) { r.publish(e); });
  }

  void onSessionToolCall(const dialog::ToolCallRecord& call) override {
    auto ev = appointmentEvent(call);
    if (!ev) return;
    CallEvent e{newEventId(),
                ev->first,
                call_.record.tenantId,
                call_.record.callId,
                wallNow(),
                {{"call_id", call_.record.callId}, {"appointment", std::move(ev->second)}}};
    post([e = std::move(e)](CallRecorder& r) { r.publish(e); });
  }

  void onSessionEnded(const dialog::CallRecord& record) override {
    call_.record = record;
    call_.endedAt = wallNow();
    post([call = std::move(call_)](CallRecorder& r) { r.recordEnded(call); });
    delete this;
  }

 private:
  template <typename F>
  void post(F&& f) {
    CallRecorder* owner = &owner_;
    if (!owner_.loop_.post([owner, f = std::forward<F>(f)]() mutable { f(*owner); }))
      owner_.failed_.inc();  // the worker is past stopping its fleet loop
  }

  CallRecorder& owner_;
  StoredCall call_;
};

CallRecorder::CallRecorder(CallRecordStore& store, core::LoopThread& fleetLoop,
                           core::MetricsRegistry& metrics)
    : store_(store),
      loop_(fleetLoop),
      written_(
          metrics.counter("parley_call_records_total", "Call records written", {{"result", "ok"}})),
      failed_(metrics.counter("parley_call_records_total", "Call records written",
                              {{"result", "error"}})) {}

CallRecorder::~CallRecorder() = default;

void CallRecorder::addListener(CallEventListener* listener) {
  listeners_.push_back(listener);
}

void CallRecorder::onSessionStarted(Session& session) {
  auto* tap = new Tap(*this, session);
  session.addObserver(tap);
}

void CallRecorder::recordEnded(const StoredCall& call) {
  try {
    store_.put(call);
    written_.inc();
  } catch (const std::exception& e) {
    failed_.inc();
    log_.with("call_id", call.record.callId).error("call record not stored: {}", e.what());
  }
  publish(CallEvent{newEventId(), "call.ended", call.record.tenantId, call.record.callId,
                    call.endedAt, toJson(call)});
}

void CallRecorder::publish(const CallEvent& event) {
  for (auto* l : listeners_) l->onCallEvent(event);
}

}  // namespace parley::agent
