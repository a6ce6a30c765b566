#pragma once
// The live event log of one browser call, read by the test page as Server-Sent Events
// (`GET /v1/sessions/{id}/events`, HTML Living Standard §9.2 "text/event-stream"): connection
// state, the agent's turn state, transcript lines and per-turn latencies. Written on the call's
// media loop; read on the HTTP control loop as a snapshot (sseSince) or as a live stream
// (subscribe: each pushed event is written to every open stream at once). Hence the mutex (a
// handful of events per turn, never per frame). Bounded: the oldest events are dropped past
// kMaxEvents, and at most kMaxSubscribers streams follow one call.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/http/HttpTypes.hpp"

namespace parley::agent {

class CallEvents {
 public:
  /// Events kept per call: a 30-minute call has a few hundred; the page only needs recent ones.
  static constexpr size_t kMaxEvents = 2000;
  /// Live streams per call (a page, a dashboard, a test or two); more → subscribe() refuses.
  static constexpr size_t kMaxSubscribers = 16;

  /// Appends an event of `type` (SSE "event:" field) with a JSON object `json` as data, and
  /// writes it to every live stream. After "ended" (the terminal event) every stream is ended.
  /// Any thread.
  void push(const std::string& type, const std::string& json);
  /// The events with id > `afterId`, formatted as an SSE stream chunk ("id:", "event:",
  /// "data:" lines, blank-line separated), preceded by "retry: <ms>" (the reconnection delay an
  /// EventSource uses). Also returns the last id in `lastId`.
  std::string sseSince(uint64_t afterId, uint64_t& lastId, int retryMs) const;
  /// Makes `writer` a live stream: writes "retry:", the events with id > `afterId`, then every
  /// later event as it is pushed; ends it after "ended" (at once if the call already ended).
  /// Returns false (and ends the writer) when kMaxSubscribers streams are already open. Any
  /// thread.
  bool subscribe(std::shared_ptr<HttpStreamWriter> writer, uint64_t afterId, int retryMs);
  /// True once a terminal "ended" event was pushed.
  bool ended() const;
  /// Live streams still open (for tests and metrics).
  size_t subscribers() const;

 private:
  struct Event {
    uint64_t id;
    std::string type;
    std::string json;
  };
  static std::string format(const Event& e);

  mutable std::mutex mutex_;
  std::deque<Event> events_;
  std::vector<std::shared_ptr<HttpStreamWriter>> subscribers_;
  uint64_t nextId_ = 1;
  bool ended_ = false;
};

}  // namespace parley::agent
