#pragma once
// The live event log of one browser call, read by the test page as Server-Sent Events
// (`GET /v1/sessions/{id}/events`, HTML Living Standard §9.2 "text/event-stream"): connection
// state, the agent's turn state, transcript lines and per-turn latencies. Written on the call's
// media loop, read on the HTTP control loop, hence the mutex (a handful of events per turn, never
// per frame). Bounded: the oldest events are dropped past kMaxEvents.
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace parley::agent {

class CallEvents {
 public:
  /// Events kept per call: a 30-minute call has a few hundred; the page only needs recent ones.
  static constexpr size_t kMaxEvents = 2000;

  /// Appends an event of `type` (SSE "event:" field) with a JSON object `json` as data.
  void push(const std::string& type, const std::string& json);
  /// The events with id > `afterId`, formatted as an SSE stream chunk ("id:", "event:",
  /// "data:" lines, blank-line separated), preceded by "retry: <ms>" so an EventSource polls
  /// again soon after the response ends. Also returns the last id in `lastId`.
  std::string sseSince(uint64_t afterId, uint64_t& lastId, int retryMs) const;
  /// True once a terminal "ended" event was pushed.
  bool ended() const;

 private:
  struct Event {
    uint64_t id;
    std::string type;
    std::string json;
  };
  mutable std::mutex mutex_;
  std::deque<Event> events_;
  uint64_t nextId_ = 1;
  bool ended_ = false;
};

}  // namespace parley::agent
