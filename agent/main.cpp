// parley: the command line. Subcommands register themselves from agent/cli/.
#include <CLI/CLI.hpp>

#include <iostream>

#include "agent/Version.hpp"
#include "agent/cli/ConsoleCommand.hpp"
#include "agent/cli/DialCommand.hpp"
#include "agent/cli/LocalCommands.hpp"
#include "agent/cli/ProviderCommands.hpp"
#include "agent/cli/ToolsCommands.hpp"
#include "agent/cli/WorkerCommand.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Parley — real-time voice agent worker (WebRTC and SIP calls, appointment booking)"};
  app.set_version_flag("--version", std::string("parley ") + parley::agent::kVersion);
  app.require_subcommand(0, 1);
  int exitCode = 0;

  // Subcommands: one line each; the code lives in agent/cli/.
  parley::agent::addWorkerCommand(app, exitCode);
  parley::agent::addToolsCommands(app, exitCode);
  parley::agent::addConsoleCommand(app, exitCode);
  parley::agent::addProviderCommands(app, exitCode);
  parley::agent::addLocalCommands(app, exitCode);
  parley::agent::addDialCommand(app, exitCode);

  auto* help = app.add_subcommand("help", "Show this help");
  // App::help() would describe the selected subcommand ("help" itself); format the root app.
  help->callback([&app] { std::cout << app.get_formatter()->make_help(&app, "parley", CLI::AppFormatMode::Normal); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // bad usage
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 2;
  }
  return exitCode;
}
