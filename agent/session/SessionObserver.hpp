#pragma once
// Events a session reports to whoever watches it: the WebRTC test page (Server-Sent Events),
// `parley console` (printed live) and tests. Observers are borrowed: add one with
// Session::addObserver and remove it before it dies (or let onSessionEnded be the last call).
//
// Threading: every callback runs on the session's media loop thread. An observer that lives on
// another thread (the HTTP server's control loop) must copy the value and post it over — the
// values are plain structs made to be copied (dialog/conversation/ConversationEvents.hpp). A
// callback must not destroy the session; it may call Session::hangup().
#include "dialog/conversation/ConversationEvents.hpp"

namespace parley::agent {

class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  /// The turn-taking state changed (listening → user speaking → thinking → agent speaking …).
  /// `atS` is seconds since the session started.
  virtual void onSessionState(dialog::TurnState /*state*/, double /*atS*/) {}
  /// Live interim caller text (may be revised; not part of the record). For captions.
  virtual void onSessionInterim(const std::string& /*text*/) {}
  /// A finished transcript line: a caller utterance (STT final) or what the caller heard of an
  /// agent reply.
  virtual void onSessionTranscript(const dialog::TranscriptLine& /*line*/) {}
  /// A tool call ran (with its result).
  virtual void onSessionToolCall(const dialog::ToolCallRecord& /*call*/) {}
  /// Latencies of one caller turn's reply, reported when that reply ends (fully played or
  /// interrupted). Replies that failed (apology instead) report none.
  virtual void onSessionTurnMetrics(const dialog::TurnMetrics& /*metrics*/) {}
  /// The caller interrupted the agent.
  virtual void onSessionBargeIn(const dialog::BargeInRecord& /*bargeIn*/) {}
  /// The call is over; the last callback. The record holds the whole call.
  virtual void onSessionEnded(const dialog::CallRecord& /*record*/) {}
};

}  // namespace parley::agent
