#include "agent/session/CallerScript.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/Error.hpp"

namespace parley::agent {
namespace {

[[noreturn]] void bad(size_t turn, const std::string& what) {
  throw core::UsageError("caller script, turn " + std::to_string(turn + 1) + ": " + what);
}

CallerEvent parseEvent(const std::string& s, size_t turn) {
  if (s == "agent_started") return CallerEvent::AgentStarted;
  if (s == "agent_finished") return CallerEvent::AgentFinished;
  if (s == "call_started") return CallerEvent::CallStarted;
  bad(turn, "at.event must be agent_started, agent_finished or call_started, not '" + s + "'");
}

}  // namespace

const char* toString(CallerEvent event) noexcept {
  switch (event) {
    case CallerEvent::AgentStarted:
      return "agent_started";
    case CallerEvent::AgentFinished:
      return "agent_finished";
    case CallerEvent::CallStarted:
      return "call_started";
  }
  return "?";
}

CallerScript CallerScript::parse(const std::string& yamlText, const std::string& baseDir) {
  YAML::Node root;
  try {
    root = YAML::Load(yamlText);
  } catch (const YAML::Exception& e) {
    throw core::UsageError(std::string("caller script: not YAML: ") + e.what());
  }
  if (!root.IsMap()) throw core::UsageError("caller script: expected a mapping with 'turns'");
  CallerScript s;
  try {
    if (root["caller"]) s.caller = root["caller"].as<std::string>();
    const YAML::Node turns = root["turns"];
    if (!turns || !turns.IsSequence() || turns.size() == 0)
      throw core::UsageError("caller script: 'turns' must be a non-empty list");
    if (turns.size() > kMaxTurns)
      throw core::UsageError("caller script: more than " + std::to_string(kMaxTurns) + " turns");
    for (size_t i = 0; i < turns.size(); ++i) {
      const YAML::Node t = turns[i];
      if (!t.IsMap()) bad(i, "expected a mapping with say, wav or silence");
      CallerTurn turn;
      int kinds = 0;
      if (t["say"]) {
        turn.kind = CallerTurn::Kind::Say;
        turn.text = t["say"].as<std::string>();
        if (turn.text.empty()) bad(i, "say is empty");
        ++kinds;
      }
      if (t["wav"]) {
        turn.kind = CallerTurn::Kind::Wav;
        std::filesystem::path p = t["wav"].as<std::string>();
        turn.wavPath = (p.is_absolute() ? p : std::filesystem::path(baseDir) / p).string();
        ++kinds;
      }
      if (t["silence"]) {
        turn.kind = CallerTurn::Kind::Silence;
        turn.seconds = t["silence"].as<double>();
        if (!(turn.seconds > 0 && turn.seconds <= kMaxSilenceS))
          bad(i, "silence must be between 0 and 600 seconds");
        ++kinds;
      }
      if (kinds != 1) bad(i, "needs exactly one of say, wav, silence");
      if (t["voice"]) turn.voice = t["voice"].as<std::string>();
      if (turn.voice == kAgentVoice)
        bad(i, "voice slt is the agent's; use kal, awb or rms for callers");
      if (const YAML::Node at = t["at"]) {
        if (!at.IsMap() || !at["event"]) bad(i, "at needs { event: …, delay: seconds }");
        turn.at = parseEvent(at["event"].as<std::string>(), i);
        turn.delayS = at["delay"] ? at["delay"].as<double>() : 0.0;
        if (!(turn.delayS >= 0 && turn.delayS <= kMaxSilenceS)) bad(i, "at.delay out of range");
      }
      for (const auto& kv : t) {
        auto key = kv.first.as<std::string>();
        if (key != "say" && key != "wav" && key != "silence" && key != "voice" && key != "at")
          bad(i, "unknown key '" + key + "'");
      }
      s.turns.push_back(std::move(turn));
    }
  } catch (const YAML::Exception& e) {
    throw core::UsageError(std::string("caller script: ") + e.what());
  }
  return s;
}

CallerScript CallerScript::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw core::UsageError("caller script: cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), std::filesystem::path(path).parent_path().string());
}

}  // namespace parley::agent
