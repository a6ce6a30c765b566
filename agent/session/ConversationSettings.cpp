#include "agent/session/ConversationSettings.hpp"

#include <cmath>
#include <string>

#include "core/Error.hpp"

namespace parley::agent {
namespace {

constexpr const char* kPrefix = "conversation.";

std::string key(const char* name) {
  return std::string(kPrefix) + name;
}

/// Seconds (YAML) → whole milliseconds (ConversationConfig), rounded to the nearest.
int64_t ms(const core::Config& c, const char* name) {
  return static_cast<int64_t>(std::llround(c.getDouble(key(name)) * 1000.0));
}

/// "0.500000" → "0.5", "12.000000" → "12": defaults as one would write them in YAML.
std::string number(double v) {
  std::string t = std::to_string(v);
  while (t.size() > 1 && t.back() == '0') t.pop_back();
  if (!t.empty() && t.back() == '.') t.pop_back();
  return t;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ",") + w;
  return out;
}

std::optional<std::string> validBackchannels(const std::string& v) {
  // Lower-case words or short phrases: they are compared with the STT's words.
  size_t item = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == ',') {
      if (i - item > 40) return "each backchannel must be at most 40 characters";
      item = i + 1;
    }
  }
  return std::nullopt;
}

}  // namespace

void addConversationKeys(core::ConfigSchema& s) {
  using core::ConfigType;
  const dialog::ConversationConfig d;  // the defaults live in one place
  auto sec = [](int64_t msValue) { return number(static_cast<double>(msValue) / 1000.0); };
  s.add({.path = key("min_endpointing_delay"),
         .type = ConfigType::Double,
         .defaultValue = sec(d.minEndpointingDelayMs),
         .doc = "seconds of caller silence before the turn may end (confirmed by an STT final)",
         .min = 0.05,
         .max = 10});
  s.add({.path = key("max_endpointing_delay"),
         .type = ConfigType::Double,
         .defaultValue = sec(d.maxEndpointingDelayMs),
         .doc = "seconds of silence after which the turn ends even without an STT final",
         .min = 0.1,
         .max = 30});
  s.add({.path = key("finalize_after_silence"),
         .type = ConfigType::Double,
         .defaultValue = sec(d.finalizeAfterSilenceMs),
         .doc = "seconds of silence before the STT is asked for its final (Deepgram Finalize)",
         .min = 0.02,
         .max = 10});
  s.add({.path = key("min_interruption_duration"),
         .type = ConfigType::Double,
         .defaultValue = sec(d.minInterruptionDurationMs),
         .doc = "seconds of caller speech over the agent that pause its reply",
         .min = 0.02,
         .max = 5});
  s.add({.path = key("min_interruption_words"),
         .type = ConfigType::Int,
         .defaultValue = std::to_string(d.minInterruptionWords),
         .doc = "words (backchannels excluded) in an interim transcript that interrupt at once",
         .min = 1,
         .max = 20});
  s.add({.path = key("false_interruption_timeout"),
         .type = ConfigType::Double,
         .defaultValue = sec(d.falseInterruptionTimeoutMs),
         .doc = "seconds without words after a pause before the reply resumes",
         .min = 0.1,
         .max = 30});
  s.add({.path = key("backchannels"),
         .type = ConfigType::StringList,
         .defaultValue = joined(d.backchannels),
         .doc = "words that alone never interrupt the agent (lower case)",
         .validate = validBackchannels});
  s.add({.path = key("greeting_interruptible"),
         .type = ConfigType::Bool,
         .defaultValue = d.greetingInterruptible ? "true" : "false",
         .doc = "whether the caller can talk over the greeting"});
  s.add({.path = key("silence_reprompt"),
         .type = ConfigType::Double,
         .defaultValue = sec(d.silenceRepromptMs),
         .doc = "seconds of caller silence after the agent finished before a reprompt",
         .min = 1,
         .max = 600});
  s.add({.path = key("max_reprompts"),
         .type = ConfigType::Int,
         .defaultValue = std::to_string(d.maxReprompts),
         .doc = "reprompts before the agent says goodbye and hangs up",
         .min = 0,
         .max = 10});
  s.add({.path = key("max_call_duration"),
         .type = ConfigType::Double,
         .defaultValue = sec(d.maxCallDurationMs),
         .doc = "seconds after which a call is closed politely",
         .min = 10,
         .max = 86400});
  s.add({.path = key("filler_delay"),
         .type = ConfigType::Double,
         .defaultValue = sec(d.fillerDelayMs),
         .doc = "seconds a tool round may run before the agent says one filler",
         .min = 0,
         .max = 60});
  s.add({.path = key("max_tool_rounds"),
         .type = ConfigType::Int,
         .defaultValue = std::to_string(d.maxToolRounds),
         .doc = "tool rounds per caller turn before the LLM must answer in words",
         .min = 1,
         .max = 20});
  s.add({.path = key("max_history_turns"),
         .type = ConfigType::Int,
         .defaultValue = std::to_string(d.maxHistoryTurns),
         .doc = "caller turns of history sent to the LLM (system prompt always kept)",
         .min = 1,
         .max = 1000});
  s.add({.path = key("preemptive_generation"),
         .type = ConfigType::Bool,
         .defaultValue = d.preemptiveGeneration ? "true" : "false",
         .doc = "ask the LLM on an early STT final, before the endpointing delay has passed"});
  s.add({.path = key("echo_guard_db"),
         .type = ConfigType::Double,
         .defaultValue = number(d.echoGuardDb),
         .doc = "dB above the VAD threshold caller audio needs while the agent talks on a leg "
                "without echo cancellation",
         .min = 0,
         .max = 60});
}

namespace {

/// Copies the keys of `c` into `out`: all of them, or with `onlySet` those not at their default
/// (a tenant's block overrides only what it names).
void readKeys(const core::Config& c, bool onlySet, dialog::ConversationConfig& out) {
  auto set = [&](const char* name) { return !onlySet || c.sourceOf(key(name)) != "default"; };
  auto msInt = [&](const char* name, int& field) {
    if (set(name)) field = static_cast<int>(ms(c, name));
  };
  auto integer = [&](const char* name, int& field) {
    if (set(name)) field = static_cast<int>(c.getInt(key(name)));
  };
  auto boolean = [&](const char* name, bool& field) {
    if (set(name)) field = c.getBool(key(name));
  };
  msInt("min_endpointing_delay", out.minEndpointingDelayMs);
  msInt("max_endpointing_delay", out.maxEndpointingDelayMs);
  msInt("finalize_after_silence", out.finalizeAfterSilenceMs);
  msInt("min_interruption_duration", out.minInterruptionDurationMs);
  integer("min_interruption_words", out.minInterruptionWords);
  msInt("false_interruption_timeout", out.falseInterruptionTimeoutMs);
  if (set("backchannels")) out.backchannels = c.getList(key("backchannels"));
  boolean("greeting_interruptible", out.greetingInterruptible);
  msInt("silence_reprompt", out.silenceRepromptMs);
  integer("max_reprompts", out.maxReprompts);
  if (set("max_call_duration")) out.maxCallDurationMs = ms(c, "max_call_duration");
  msInt("filler_delay", out.fillerDelayMs);
  integer("max_tool_rounds", out.maxToolRounds);
  integer("max_history_turns", out.maxHistoryTurns);
  boolean("preemptive_generation", out.preemptiveGeneration);
  if (set("echo_guard_db")) out.echoGuardDb = c.getDouble(key("echo_guard_db"));
}

/// The checks across keys, on the merged values; `c` says where each was set.
void checkAcross(const dialog::ConversationConfig& out, const core::Config& c,
                 const std::string& mergedWith) {
  if (out.minEndpointingDelayMs > out.maxEndpointingDelayMs)
    throw core::ConfigError(key("min_endpointing_delay"), c.sourceOf(key("min_endpointing_delay")),
                            "must not exceed conversation.max_endpointing_delay (" +
                                std::to_string(out.maxEndpointingDelayMs) + " ms" + mergedWith +
                                ")");
  if (out.finalizeAfterSilenceMs > out.minEndpointingDelayMs)
    throw core::ConfigError(key("finalize_after_silence"),
                            c.sourceOf(key("finalize_after_silence")),
                            "must not exceed conversation.min_endpointing_delay (" +
                                std::to_string(out.minEndpointingDelayMs) + " ms" + mergedWith +
                                "): the STT's final has to be asked for before the turn may end");
}

}  // namespace

dialog::ConversationConfig conversationConfigFrom(const core::Config& c) {
  dialog::ConversationConfig out;
  readKeys(c, false, out);
  checkAcross(out, c, "");
  return out;
}

dialog::ConversationConfig tenantConversationConfig(const dialog::ConversationConfig& worker,
                                                    const tools::Tenant& tenant) {
  if (tenant.conversationYaml.empty()) return worker;
  core::ConfigSchema schema;
  addConversationKeys(schema);
  // No environment: PARLEY_CONVERSATION_* already shaped the worker's values.
  const core::EnvLookup noEnv = [](const std::string&) { return std::optional<std::string>(); };
  core::Config c =
      core::Config::loadText(schema, tenant.conversationYaml, tenant.sourceFile, noEnv);
  dialog::ConversationConfig out = worker;
  readKeys(c, true, out);
  checkAcross(out, c, " with the worker's settings for the keys this tenant does not set");
  return out;
}

}  // namespace parley::agent
