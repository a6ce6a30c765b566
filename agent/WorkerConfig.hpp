#pragma once
// The worker's configuration keys (every one documented in config/parley.yaml with its default
// and unit) and the typed settings read from them.
#include <filesystem>
#include <optional>
#include <string>

#include "core/Config.hpp"
#include "core/Log.hpp"
#include "core/SocketAddress.hpp"
#include "dialog/conversation/ConversationConfig.hpp"

namespace parley::agent {

/// The schema of config/parley.yaml. Later subsystems add their keys here.
const core::ConfigSchema& workerConfigSchema();

/// Typed view of the validated config.
struct WorkerSettings {
  core::SocketAddress httpListen;
  size_t httpMaxBodyBytes = 0;
  size_t httpMaxHeaderBytes = 0;
  std::filesystem::path dataDir;
  std::filesystem::path tenantsDir;
  unsigned threads = 1;        ///< resolved: 0 in the file means one per core
  double drainTimeoutS = 600;  ///< seconds to wait for active sessions after SIGTERM
  double drainGraceS = 0;      ///< seconds /readyz answers 503 before the listener closes
  core::LogSettings log;
  dialog::ConversationConfig conversation;  ///< the conversation.* block, in ms
  core::Config raw;            ///< every value, for later subsystems
};

/// Loads `file` (or the embedded defaults when nullopt), applies PARLEY_* env overrides and
/// validates. Throws core::ConfigError (the CLI exits 2 with its message).
WorkerSettings loadWorkerSettings(const std::optional<std::filesystem::path>& file,
                                  const core::EnvLookup& env = core::processEnv());

/// The config file `parley worker` uses without --config: $PARLEY_CONFIG, else
/// ./config/parley.yaml if it exists, else none (embedded defaults).
std::optional<std::filesystem::path> defaultConfigPath(const core::EnvLookup& env = core::processEnv());

}  // namespace parley::agent
