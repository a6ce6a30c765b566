#pragma once
// A caller script for `parley console` and the end-to-end tests (issue 7): who calls and what
// they say, when. YAML:
//   caller: "+15555550123"        # caller ID the agent sees ("" = unknown, like a browser)
//   turns:
//     - say: "Hi, I'd like to book a cleaning."   # spoken by flite (voice kal unless `voice:`)
//     - wav: recordings/yes.wav                   # a recording (any rate; relative to the script)
//     - say: "Actually, hold on."
//       voice: awb
//       at: { event: agent_started, delay: 1.0 }  # barge in 1 s after the agent starts talking
//     - silence: 10                               # say nothing for 10 s
// A turn starts `delay` seconds after `event` (agent_started | agent_finished | call_started)
// happens after the previous turn ended; default { event: agent_finished, delay: 0.6 }.
#include <string>
#include <vector>

namespace parley::agent {

/// What a turn waits for.
enum class CallerEvent { AgentStarted, AgentFinished, CallStarted };

struct CallerTurn {
  enum class Kind { Say, Wav, Silence };
  Kind kind = Kind::Say;
  std::string text;  ///< Say
  std::string voice = "kal";
  std::string wavPath;  ///< Wav (resolved against the script's folder)
  double seconds = 0;   ///< Silence
  CallerEvent at = CallerEvent::AgentFinished;
  double delayS = 0.6;
};

struct CallerScript {
  /// The flite voice the agent uses (slt) is refused for callers, so the two stay apart.
  static constexpr const char* kAgentVoice = "slt";
  /// Bounds: a script is a short call, not a corpus.
  static constexpr size_t kMaxTurns = 200;
  static constexpr double kMaxSilenceS = 600;

  std::string caller;
  std::vector<CallerTurn> turns;

  /// Parses YAML text; relative wav paths are resolved against `baseDir`. Throws
  /// core::UsageError naming the turn and what is wrong.
  static CallerScript parse(const std::string& yamlText, const std::string& baseDir = ".");
  /// Reads and parses a file. Throws core::UsageError.
  static CallerScript load(const std::string& path);
};

const char* toString(CallerEvent event) noexcept;

}  // namespace parley::agent
