#include "agent/cli/WorkerCommand.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "agent/Worker.hpp"
#include "agent/WorkerConfig.hpp"
#include "core/Error.hpp"
#include "core/Log.hpp"

namespace parley::agent {

void addWorkerCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("worker", "Run the voice agent daemon (HTTP, WebRTC, SIP)");
  auto configFile = std::make_shared<std::string>();
  cmd->add_option("--config,-c", *configFile,
                  "Config file (default: $PARLEY_CONFIG, else ./config/parley.yaml if present, "
                  "else embedded defaults)");
  cmd->callback([configFile, &exitCode] {
    std::optional<std::filesystem::path> file;
    if (!configFile->empty()) file = std::filesystem::path(*configFile);
    else file = defaultConfigPath();
    WorkerSettings settings;
    try {
      settings = loadWorkerSettings(file);
    } catch (const core::ConfigError& e) {
      std::cerr << "parley: config error: " << e.what() << "\n";
      exitCode = 2;
      return;
    }
    core::setupLogging(settings.log);
    core::Logger log("worker");
    log.info("config {}", file ? file->string() : std::string("(embedded defaults)"));
    try {
      Worker worker(std::move(settings));
      exitCode = worker.run();
    } catch (const core::ConfigError& e) {
      log.error("config error: {}", e.what());
      exitCode = 2;
    } catch (const core::Error& e) {
      log.error("cannot start: {}", e.what());
      exitCode = 1;
    }
  });
}

}  // namespace parley::agent
