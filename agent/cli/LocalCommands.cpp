#include "agent/cli/LocalCommands.hpp"

#include <date/tz.h>
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/Error.hpp"
#include "dialog/local/LocalProviders.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::agent {
namespace {

struct LocalOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string tenantsDir;
  std::string tenant;
  std::string now;
  size_t maxStreams = 0;
  size_t warm = 1;
};

int runLocal(const std::string& which, const LocalOptions& o) {
  dialog::local::LocalProvidersConfig c;
  c.host = o.host;
  c.stt = which == "stt" || which == "all";
  c.tts = which == "tts" || which == "all";
  c.llm = which == "llm" || which == "all";
  if (which != "all") c.sttPort = c.ttsPort = c.llmPort = o.port;
  std::unique_ptr<core::ManualClock> manual;
  try {
    auto dir = tools::TenantDirectory::loadDir(o.tenantsDir);
    if (!o.tenant.empty()) {
      auto t = dir.byId(o.tenant);
      if (!t) throw core::ConfigError("--tenant", o.tenantsDir, "no tenant '" + o.tenant + "'");
      c.tenants.push_back(t);
    }
    for (const auto& t : dir.all())
      if (t->id != o.tenant) c.tenants.push_back(t);
    if (!o.now.empty()) {
      auto t = tools::parseIsoDateTime(date::locate_zone("UTC"), o.now);
      if (!t)
        throw core::ConfigError("--now", "", "must be ISO 8601, e.g. 2025-01-06T10:00:00-05:00");
      manual = std::make_unique<core::ManualClock>(*t);
      c.clock = manual.get();
    }
  } catch (const std::exception& e) {
    std::cerr << "parley local: " << e.what() << "\n";
    return 2;
  }
  if (o.maxStreams)
    c.sttOptions.maxStreams = c.ttsOptions.maxSessions = static_cast<int>(o.maxStreams);
  c.sttOptions.warmDecoders = o.warm;

  // The servers' threads inherit this mask, so the signals reach sigwait below.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  dialog::local::LocalProviders providers(c);
  try {
    providers.start();
  } catch (const std::exception& e) {
    std::cerr << "parley local " << which << ": " << e.what() << "\n";
    return 1;
  }
  auto u = providers.urls();
  nlohmann::json line = nlohmann::json::object();
  if (!u.deepgramListen.empty()) line["stt"] = u.deepgramListen;
  if (!u.elevenLabsStream.empty()) line["tts"] = u.elevenLabsStream;
  if (!u.openAiBase.empty()) line["llm"] = u.openAiBase;
  std::cout << line.dump() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  providers.stop();
  return 0;
}

const char* envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

void addLocalCommands(CLI::App& app, int& exitCode) {
  auto o = std::make_shared<LocalOptions>();
  o->tenantsDir = envOr("PARLEY_TENANTS_DIR", "config/tenants");
  auto* local = app.add_subcommand(
      "local",
      "Run the local providers (pocketsphinx STT, flite/espeak-ng TTS, scripted booking "
      "policy) over the Deepgram, ElevenLabs and OpenAI protocols");
  local->require_subcommand(1);
  for (const char* which : {"stt", "tts", "llm", "all"}) {
    std::string w = which;
    auto* cmd = local->add_subcommand(
        w, w == "stt"   ? "Speech to text, Deepgram /v1/listen websocket"
           : w == "tts" ? "Text to speech, ElevenLabs stream-input websocket"
           : w == "llm" ? "Scripted booking policy, OpenAI /v1/chat/completions"
                        : "All three");
    cmd->add_option("--host", o->host, "Listen address")->capture_default_str();
    if (w != "all")
      cmd->add_option("--port", o->port, "Port (0 = any free port)")->capture_default_str();
    cmd->add_option("--tenants-dir", o->tenantsDir, "Folder of tenant files")
        ->capture_default_str();
    cmd->add_option("--tenant", o->tenant, "Default tenant id (policy; first file otherwise)");
    cmd->add_option("--now", o->now, "Pretend it is this instant (ISO 8601), for tests and demos");
    cmd->add_option("--max-streams", o->maxStreams, "Concurrent STT/TTS streams");
    cmd->add_option("--warm", o->warm, "STT decoders loaded at start")->capture_default_str();
    cmd->callback([o, w, &exitCode] { exitCode = runLocal(w, *o); });
  }
}

}  // namespace parley::agent
