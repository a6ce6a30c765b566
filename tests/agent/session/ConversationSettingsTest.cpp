// The `conversation:` block of config/parley.yaml (agent/session/ConversationSettings): seconds
// in YAML become milliseconds in dialog::ConversationConfig, env overrides apply, and bad values
// stop the worker with a message naming the key.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "agent/WorkerConfig.hpp"
#include "core/Error.hpp"
#include "tests/agent/TestEnv.hpp"

using namespace parley;

namespace {

using test::mapEnv;

/// A config file holding `yaml`, removed when the object dies.
struct TempConfig {
  std::filesystem::path path;
  explicit TempConfig(const std::string& yaml) {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("parley-conv-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".yaml");
    std::ofstream(path) << yaml;
  }
  ~TempConfig() { std::filesystem::remove(path); }
};

/// The ConfigError message loading `yaml` gives ("" if it loads).
std::string errorOf(const std::string& yaml) {
  TempConfig f(yaml);
  try {
    agent::loadWorkerSettings(f.path, mapEnv({}));
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("conversation settings: the shipped file gives the built-in defaults") {
  auto s = agent::loadWorkerSettings(
      std::filesystem::path(PARLEY_SOURCE_DIR) / "config/parley.yaml", mapEnv({}));
  const dialog::ConversationConfig d;
  const auto& c = s.conversation;
  CHECK(c.minEndpointingDelayMs == d.minEndpointingDelayMs);
  CHECK(c.maxEndpointingDelayMs == d.maxEndpointingDelayMs);
  CHECK(c.finalizeAfterSilenceMs == d.finalizeAfterSilenceMs);
  CHECK(c.minInterruptionDurationMs == d.minInterruptionDurationMs);
  CHECK(c.minInterruptionWords == d.minInterruptionWords);
  CHECK(c.falseInterruptionTimeoutMs == d.falseInterruptionTimeoutMs);
  CHECK(c.backchannels == d.backchannels);
  CHECK(c.greetingInterruptible == d.greetingInterruptible);
  CHECK(c.silenceRepromptMs == d.silenceRepromptMs);
  CHECK(c.maxReprompts == d.maxReprompts);
  CHECK(c.maxCallDurationMs == d.maxCallDurationMs);
  CHECK(c.fillerDelayMs == d.fillerDelayMs);
  CHECK(c.maxToolRounds == d.maxToolRounds);
  CHECK(c.maxHistoryTurns == d.maxHistoryTurns);
  CHECK(c.preemptiveGeneration == d.preemptiveGeneration);
  CHECK(c.echoGuardDb == d.echoGuardDb);
  // And without any file.
  auto none = agent::loadWorkerSettings(std::nullopt, mapEnv({}));
  CHECK(none.conversation.minEndpointingDelayMs == 500);
  CHECK(none.conversation.backchannels == d.backchannels);
}

TEST_CASE("conversation settings: seconds in YAML, milliseconds in the config; env overrides") {
  TempConfig f(R"(
conversation:
  min_endpointing_delay: 0.8
  max_endpointing_delay: 4
  min_interruption_duration: 0.45
  min_interruption_words: 3
  false_interruption_timeout: 2
  backchannels: [uh-huh, "got it"]
  greeting_interruptible: false
  silence_reprompt: 12.5
  max_reprompts: 1
  max_call_duration: 600
  filler_delay: 1.2
  max_tool_rounds: 3
  max_history_turns: 8
  preemptive_generation: true
  echo_guard_db: 9
)");
  auto c = agent::loadWorkerSettings(f.path, mapEnv({})).conversation;
  CHECK(c.minEndpointingDelayMs == 800);
  CHECK(c.maxEndpointingDelayMs == 4000);
  CHECK(c.minInterruptionDurationMs == 450);
  CHECK(c.minInterruptionWords == 3);
  CHECK(c.falseInterruptionTimeoutMs == 2000);
  CHECK(c.backchannels == std::vector<std::string>{"uh-huh", "got it"});
  CHECK_FALSE(c.greetingInterruptible);
  CHECK(c.silenceRepromptMs == 12500);
  CHECK(c.maxReprompts == 1);
  CHECK(c.maxCallDurationMs == 600000);
  CHECK(c.fillerDelayMs == 1200);
  CHECK(c.maxToolRounds == 3);
  CHECK(c.maxHistoryTurns == 8);
  CHECK(c.preemptiveGeneration);
  CHECK(c.echoGuardDb == 9);
  auto e = agent::loadWorkerSettings(f.path,
                                     mapEnv({{"PARLEY_CONVERSATION_PREEMPTIVE_GENERATION", "false"},
                                             {"PARLEY_CONVERSATION_MIN_ENDPOINTING_DELAY", "0.3"}}))
               .conversation;
  CHECK_FALSE(e.preemptiveGeneration);
  CHECK(e.minEndpointingDelayMs == 300);
}

TEST_CASE("conversation settings: bad values are errors naming the key") {
  std::string m = errorOf("conversation:\n  min_endpointing_delay: -1\n");
  CHECK(m.find("conversation.min_endpointing_delay") != std::string::npos);
  m = errorOf("conversation:\n  max_endpointing_delay: soon\n");
  CHECK(m.find("conversation.max_endpointing_delay") != std::string::npos);
  m = errorOf("conversation:\n  max_tool_rounds: 0\n");
  CHECK(m.find("conversation.max_tool_rounds") != std::string::npos);
  m = errorOf("conversation:\n  preemptive_generation: maybe\n");
  CHECK(m.find("conversation.preemptive_generation") != std::string::npos);
  m = errorOf("conversation:\n  min_endpointing_dealy: 0.5\n");  // a typo is not ignored
  CHECK(m.find("conversation.min_endpointing_dealy") != std::string::npos);
  CHECK(m.find("unknown key") != std::string::npos);
  // Across keys: the turn cannot need more silence to end than the cap that ends it anyway.
  m = errorOf("conversation:\n  min_endpointing_delay: 4\n  max_endpointing_delay: 2\n");
  CHECK(m.find("conversation.min_endpointing_delay") != std::string::npos);
  CHECK(m.find("max_endpointing_delay") != std::string::npos);
  m = errorOf("conversation:\n  finalize_after_silence: 0.6\n");
  CHECK(m.find("conversation.finalize_after_silence") != std::string::npos);
  CHECK(errorOf("conversation:\n  min_endpointing_delay: 0.6\n  finalize_after_silence: 0.6\n")
            .empty());
}
