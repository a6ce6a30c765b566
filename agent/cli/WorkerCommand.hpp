#pragma once
// `parley worker [--config FILE]`: loads the config and runs the daemon.
#include <CLI/CLI.hpp>

namespace parley::agent {

/// Adds the `worker` subcommand. When it runs, `exitCode` receives the worker's exit code:
/// 0 clean stop, 1 start failure (port in use, data_dir), 2 bad config.
void addWorkerCommand(CLI::App& app, int& exitCode);

}  // namespace parley::agent
