#pragma once
// `parley tools list|call` and `parley bookings list` (issue 4): check a tenant's tools and
// bookings from the command line, without audio. Used by tests and operators.
//   parley tools list --tenant ID                   → the OpenAI `tools` JSON
//   parley tools call --tenant ID --caller +1555… --tool NAME --args '{…}'
//                                                   → the result JSON; exit 0 even for a tool
//                                                     error (it is a valid result)
//   parley bookings list --tenant ID [--json]
// Exit codes: 0 ok, 1 store failure, 2 bad usage (unknown tenant or tool, invalid --args or
// tenant file). Tenants come from --tenants-dir (env PARLEY_TENANTS_DIR, default
// config/tenants); the booking files live under --data-dir (env PARLEY_DATA_DIR, default data).
#include <iosfwd>

namespace CLI {
class App;
}

namespace parley::agent {

/// Adds the `tools` and `bookings` subcommands to `app`. When one of them runs, its exit code is
/// stored in `exitCode`. Output goes to `out`, messages to `err` (both must outlive `app`).
void addToolsCommands(CLI::App& app, int& exitCode, std::ostream& out, std::ostream& err);

/// Same, writing to std::cout / std::cerr.
void addToolsCommands(CLI::App& app, int& exitCode);

}  // namespace parley::agent
