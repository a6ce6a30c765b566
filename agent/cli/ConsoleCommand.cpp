#include "agent/cli/ConsoleCommand.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "agent/WorkerConfig.hpp"
#include "agent/session/CallLanguageSetup.hpp"
#include "agent/session/ConversationSettings.hpp"
#include "agent/session/ScriptedCall.hpp"
#include "core/Error.hpp"
#include "media/AudioFrame.hpp"
#include "media/WavFile.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::agent {
namespace {

using nlohmann::json;

struct Options {
  std::string tenant;
  std::string script;
  std::string out;
  std::string providers = "local";
  std::string now;
  std::string tenantsDir;
  std::string dataDir;
  std::string config;  ///< parley.yaml whose conversation.* block is used ("" = the default path)
  bool json = false;
  bool realtime = false;
};

std::string envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string ms(double v) {
  return v < 0 ? "-" : fmt::format("{:.0f} ms", v);
}

/// Prints the call as it happens.
class Printer final : public SessionObserver {
 public:
  explicit Printer(std::ostream& out) : out_(out) {}
  void onSessionState(dialog::TurnState s, double atS) override {
    out_ << fmt::format("[{:7.2f}] · {}\n", atS, dialog::toString(s));
  }
  void onSessionTranscript(const dialog::TranscriptLine& l) override {
    out_ << fmt::format("[{:7.2f}] {:6}: {}{}\n", l.atS, dialog::toString(l.speaker), l.text,
                        l.interrupted ? "  [interrupted]" : "");
  }
  void onSessionToolCall(const dialog::ToolCallRecord& t) override {
    out_ << fmt::format("          tool {}({}) → {} ({:.0f} ms)\n", t.name, t.arguments,
                        t.result.size() > 300 ? t.result.substr(0, 300) + "…" : t.result,
                        t.durationMs);
  }
  void onSessionTurnMetrics(const dialog::TurnMetrics& m) override {
    out_ << fmt::format(
        "          turn {}: end-of-utterance {}, STT final {}, LLM first token {}, TTS first "
        "byte {}, voice-to-voice {}{}{}\n",
        m.turn, ms(m.endOfUtteranceDelayMs), ms(m.sttFinalLatencyMs), ms(m.llmTimeToFirstTokenMs),
        ms(m.ttsTimeToFirstByteMs), ms(m.voiceToVoiceMs),
        m.toolRounds ? fmt::format(", {} tool round(s)", m.toolRounds) : "",
        m.preemptiveLeadMs >= 0 ? ", LLM asked " + ms(m.preemptiveLeadMs) + " early" : "");
  }
  void onSessionBargeIn(const dialog::BargeInRecord& b) override {
    out_ << fmt::format(
        "          barge-in: onset→decision {}, decision→stopped {}; heard \"{}\"\n",
        ms(b.onsetToDecisionMs), ms(b.decisionToStoppedMs), b.heardText);
  }
  void onSessionEnded(const dialog::CallRecord& r) override {
    out_ << fmt::format("call ended: {} ({}) after {:.1f} s — {}\n", dialog::toString(r.outcome),
                        r.endReason, r.durationS, r.summary);
  }

 private:
  std::ostream& out_;
};

json recordJson(const dialog::CallRecord& r) {
  json j;
  j["call_id"] = r.callId;
  j["tenant"] = r.tenantId;
  j["caller"] = r.callerNumber;
  j["language"] = r.language;
  j["outcome"] = dialog::toString(r.outcome);
  j["end_reason"] = r.endReason;
  j["summary"] = r.summary;
  j["duration_s"] = r.durationS;
  j["transcript"] = json::array();
  for (const auto& l : r.transcript)
    j["transcript"].push_back({{"speaker", dialog::toString(l.speaker)},
                               {"text", l.text},
                               {"at_s", l.atS},
                               {"interrupted", l.interrupted}});
  j["tool_calls"] = json::array();
  j["bookings"] = json::array();
  for (const auto& t : r.toolCalls) {
    json result = json::parse(t.result, nullptr, false);
    j["tool_calls"].push_back({{"turn", t.turn},
                               {"name", t.name},
                               {"arguments", json::parse(t.arguments, nullptr, false)},
                               {"result", result},
                               {"duration_ms", t.durationMs},
                               {"error", t.error}});
    if (result.is_object() && result.value("status", "") == "booked")
      j["bookings"].push_back(result["appointment"]);
  }
  j["turns"] = json::array();
  auto opt = [](double v) { return v < 0 ? json(nullptr) : json(v); };
  for (const auto& m : r.turns)
    j["turns"].push_back({{"turn", m.turn},
                          {"end_of_utterance_ms", opt(m.endOfUtteranceDelayMs)},
                          {"stt_final_ms", opt(m.sttFinalLatencyMs)},
                          {"llm_ttft_ms", opt(m.llmTimeToFirstTokenMs)},
                          {"tts_ttfb_ms", opt(m.ttsTimeToFirstByteMs)},
                          {"voice_to_voice_ms", opt(m.voiceToVoiceMs)},
                          {"tool_rounds", m.toolRounds},
                          {"preemptive_lead_ms", opt(m.preemptiveLeadMs)},
                          {"interrupted", m.interrupted}});
  j["barge_ins"] = json::array();
  for (const auto& b : r.bargeIns)
    j["barge_ins"].push_back({{"turn", b.turn},
                              {"at_s", b.atS},
                              {"onset_to_decision_ms", b.onsetToDecisionMs},
                              {"decision_to_stopped_ms", b.decisionToStoppedMs},
                              {"heard", b.heardText}});
  return j;
}

int runConsole(const Options& o) {
  auto dir = tools::TenantDirectory::loadDir(o.tenantsDir);
  std::shared_ptr<const tools::Tenant> tenant = dir.byId(o.tenant);
  if (!tenant) throw core::UsageError("unknown tenant '" + o.tenant + "' in " + o.tenantsDir);
  CallerScript script = CallerScript::load(o.script);
  // The worker's conversation knobs (config/parley.yaml `conversation:`, PARLEY_CONVERSATION_*).
  std::optional<std::filesystem::path> configFile =
      o.config.empty() ? defaultConfigPath() : std::optional<std::filesystem::path>(o.config);
  WorkerSettings settings = loadWorkerSettings(configFile);
  // Virtual time starts at the real wall time (or --now) so the booking policy's "today" is real.
  std::chrono::system_clock::time_point wallStart = std::chrono::system_clock::now();
  if (!o.now.empty()) {
    auto t = tools::parseIsoDateTime(tenant->zone, o.now);
    if (!t) throw core::UsageError("--now must be an ISO 8601 date-time, got '" + o.now + "'");
    wallStart = *t;
  }

  std::filesystem::create_directories(o.dataDir);
  ScriptedCallSetup setup;
  setup.tenant = tenant;
  setup.script = script;
  setup.store = std::make_shared<tools::SqliteBookingStore>(std::filesystem::path(o.dataDir) /
                                                            tenant->booking.path);
  setup.providers = o.providers;
  setup.realtime = o.realtime;
  setup.wallStart = wallStart;
  setup.conversation = tenantConversationConfig(settings.conversation, *tenant);
  if (o.providers == "local") checkLocalVoices(*tenant);
  std::ostream& live = o.json ? std::cerr : std::cout;
  Printer printer(live);
  setup.observers = {&printer};
  live << fmt::format("calling {} ({}) as {} — {} providers, {} time\n", tenant->displayName,
                      tenant->id, script.caller.empty() ? "unknown caller" : script.caller,
                      o.providers, o.realtime ? "real" : "virtual");
  live << fmt::format("language: {}\n", tools::pickCallLanguage(*tenant, script.caller).tag);
  ScriptedCallResult result = runScriptedCall(std::move(setup));
  const dialog::CallRecord& record = result.record;
  if (!o.out.empty()) media::WavFile::write(o.out, media::kInternalRate, 1, result.agentAudio);

  if (o.json) std::cout << recordJson(record).dump(2) << "\n";
  const bool completed = record.outcome != dialog::CallOutcome::Failed &&
                         record.endReason != "error" && record.endReason != "media_timeout";
  return completed ? 0 : 1;
}

}  // namespace

void addConsoleCommand(CLI::App& app, int& exitCode) {
  auto o = std::make_shared<Options>();
  o->tenantsDir = envOr("PARLEY_TENANTS_DIR", "config/tenants");
  o->dataDir = envOr("PARLEY_DATA_DIR", "data");
  auto* cmd =
      app.add_subcommand("console", "Run one scripted call through the agent (no network peer)");
  cmd->add_option("--tenant", o->tenant, "Tenant id")->required();
  cmd->add_option("--script", o->script, "Caller script (YAML; see README)")->required();
  cmd->add_option("--out", o->out, "Write the agent's audio (16 kHz WAV) here");
  cmd->add_flag("--json", o->json, "Print one JSON document at the end (live lines on stderr)");
  cmd->add_flag("--realtime", o->realtime, "Pace the call in real time instead of virtual time");
  cmd->add_option("--providers", o->providers, "local (embedded engines) or cloud (env keys)")
      ->capture_default_str();
  cmd->add_option("--now", o->now, "Wall time the call happens at (ISO 8601, tenant zone)");
  cmd->add_option("--config", o->config,
                  "Worker config whose conversation: block is used (default: $PARLEY_CONFIG, "
                  "else ./config/parley.yaml, else built-in defaults)");
  cmd->add_option("--tenants-dir", o->tenantsDir, "Folder of tenant files")->capture_default_str();
  cmd->add_option("--data-dir", o->dataDir, "Folder of the booking databases")
      ->capture_default_str();
  cmd->callback([o, &exitCode] {
    try {
      exitCode = runConsole(*o);
    } catch (const core::UsageError& e) {
      std::cerr << "parley console: " << e.what() << "\n";
      exitCode = 2;
    } catch (const core::ConfigError& e) {
      std::cerr << "parley console: " << e.what() << "\n";
      exitCode = 2;
    } catch (const std::exception& e) {
      std::cerr << "parley console: " << e.what() << "\n";
      exitCode = 1;
    }
  });
}

}  // namespace parley::agent
