#pragma once
// What a conversation reports while it runs (DESIGN.md §6, issue 7 "Records and metrics"): its
// turn-taking state, transcript lines, tool calls, per-turn latencies and barge-ins, and at the
// end one CallRecord. These are plain values: the session forwards them to observers (the
// WebRTC test page streams them as Server-Sent Events, `parley console` prints them) and the
// call record is built from them. Times are seconds since the call started (the conversation's
// clock); latencies are milliseconds. A latency that was not measured in a turn is negative.
#include <string>
#include <vector>

namespace parley::dialog {

/// The turn-taking state machine's states (issue 7 "Turn-taking").
enum class TurnState {
  Listening,      ///< the floor is the caller's, nobody is talking
  UserSpeaking,   ///< the VAD hears the caller
  Thinking,       ///< the caller's turn ended; waiting for the LLM, tools or the first audio
  AgentSpeaking,  ///< agent audio is queued or playing
  Ended,          ///< the call is over; nothing follows
};
const char* toString(TurnState state) noexcept;

enum class Speaker { Caller, Agent };
const char* toString(Speaker speaker) noexcept;

/// One line of the live transcript. Caller lines are STT finals (one per caller turn); agent
/// lines are what the caller actually heard of a reply (cut at a barge-in).
struct TranscriptLine {
  Speaker speaker = Speaker::Caller;
  std::string text;
  double atS = 0;            ///< when the line started
  bool interrupted = false;  ///< agent lines: the caller barged in; `text` is the heard part
};

/// One executed tool call and its JSON result.
struct ToolCallRecord {
  int turn = 0;
  std::string id;  ///< the LLM's tool-call id
  std::string name;
  std::string arguments;  ///< raw JSON text from the LLM
  std::string result;     ///< JSON text returned to the LLM
  double durationMs = 0;
  bool error = false;  ///< the result is a tool error ({"error": …})
};

/// Latencies of one caller turn → agent reply (DESIGN.md §6 "Export per turn").
struct TurnMetrics {
  int turn = 0;
  double endOfUtteranceDelayMs = -1;  ///< caller's last speech frame → turn declared over
  double sttFinalLatencyMs = -1;      ///< provider's final-result latency (last final of the turn)
  double llmTimeToFirstTokenMs = -1;  ///< first LLM request of the reply → first token
  double ttsTimeToFirstByteMs = -1;   ///< first sentence pushed → first audio byte
  double voiceToVoiceMs = -1;         ///< caller's last speech frame → first agent frame queued
  int toolRounds = 0;
  bool interrupted = false;
  /// The reply came from a preemptive LLM request, started this long before the turn ended
  /// (ms; ConversationConfig::preemptiveGeneration). -1: asked when the turn ended.
  double preemptiveLeadMs = -1;
};

/// One barge-in decision (issue 7 "Barge-in").
struct BargeInRecord {
  int turn = 0;
  double atS = 0;                  ///< when the decision was made
  double onsetToDecisionMs = 0;    ///< caller speech onset → decision
  double decisionToStoppedMs = 0;  ///< decision → agent playout flushed (≤ one frame)
  std::string heardText;           ///< what the caller heard of the interrupted reply
  bool byWords = false;            ///< decided by an interim transcript rather than duration
};

/// How a call ended, for call records (issue 7).
enum class CallOutcome { Booked, Rescheduled, Cancelled, InfoOnly, Transferred, Abandoned, Failed };
const char* toString(CallOutcome outcome) noexcept;

/// Everything recorded about one call, handed over once when it ends.
struct CallRecord {
  std::string callId;
  std::string tenantId;
  std::string callerNumber;
  std::string language;
  CallOutcome outcome = CallOutcome::Abandoned;
  std::string summary;    ///< a short sentence about the call
  std::string endReason;  ///< "end_call", "caller_hangup", "silence", "max_duration", "error", …
  double durationS = 0;
  std::vector<TranscriptLine> transcript;
  std::vector<ToolCallRecord> toolCalls;
  std::vector<TurnMetrics> turns;
  std::vector<BargeInRecord> bargeIns;
};

}  // namespace parley::dialog
