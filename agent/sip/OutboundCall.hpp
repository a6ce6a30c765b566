#pragma once
// Outbound phone calls (issue 9 "Outbound"): the request that `POST /v1/calls` and `parley dial`
// send, and the progress of each call (dialing → ringing → answered → ended, or busy /
// no_answer / failed with the SIP status) kept for `GET /v1/calls/{id}/progress` and the log.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace parley::agent {

/// What to dial. JSON: {"tenant": "demo", "to": "+15551234567", "context": {…},
/// "trunk": "twilio", "ring_timeout_s": 30}; only tenant and to are required.
struct DialRequest {
  /// The context object is put in the agent's prompt: bound it (a lead's name and a few facts,
  /// not a document).
  static constexpr size_t kMaxContextBytes = 4096;
  static constexpr int kDefaultRingTimeoutS = 30;
  static constexpr int kMaxRingTimeoutS = 300;

  std::string tenant;
  std::string to;           ///< E.164 after parse() (normalised from what was given)
  std::string contextJson;  ///< a JSON object as compact text, "" if none
  std::string trunk;        ///< "" = the first trunk with an outbound URI
  int ringTimeoutS = kDefaultRingTimeoutS;

  /// Parses and checks a request body. Throws core::UsageError naming the field that is wrong
  /// (not JSON, missing tenant/to, `to` not a phone number, context not an object or too big,
  /// ring_timeout_s out of 1..300).
  static DialRequest parse(const std::string& body);
  /// The JSON body for this request (what `parley dial` posts).
  std::string toJson() const;
};

/// One step of an outbound call.
struct CallProgressEvent {
  std::string event;   ///< dialing | ringing | answered | busy | no_answer | failed | ended
  int sipStatus = 0;   ///< the SIP status that caused it (0 for dialing / ended by BYE)
  std::string reason;  ///< SIP reason phrase or our explanation
  double atS = 0;      ///< seconds since dialing started
};

/// The event a final SIP status of an unanswered INVITE maps to: 486/600/603 busy (declined
/// counts as busy: the callee is there and said no), 408/480/487 no_answer, others failed.
const char* progressEventForStatus(int status) noexcept;

/// Progress of recent outbound calls, by call id. Thread-safe (the SIP thread writes, HTTP reads).
/// Keeps the last kMaxCalls calls.
class CallProgressBook {
 public:
  static constexpr size_t kMaxCalls = 1000;

  /// Starts a call's history with "dialing".
  void start(const std::string& callId, const std::string& tenant, const std::string& to);
  /// Appends an event; unknown ids are ignored. Returns false if the event was already there
  /// (ringing twice: 180 then 183).
  bool add(const std::string& callId, CallProgressEvent event);
  /// The call's JSON: {"call_id", "tenant", "to", "state", "events": [{event, sip_status,
  /// reason, at_s}]}; nullopt for an unknown id.
  std::optional<std::string> json(const std::string& callId) const;

 private:
  struct Entry {
    std::string tenant, to;
    std::chrono::steady_clock::time_point started;
    std::vector<CallProgressEvent> events;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> calls_;
  std::deque<std::string> order_;  ///< oldest first, for eviction
};

}  // namespace parley::agent
