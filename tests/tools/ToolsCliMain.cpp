// A private `parley` with only the tools commands, to try them before agent/main.cpp wires them.
#include <CLI/CLI.hpp>

#include "agent/cli/ToolsCommands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"parley (tools commands only)"};
  app.require_subcommand(1);
  int exitCode = 0;
  parley::agent::addToolsCommands(app, exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exitCode;
}
