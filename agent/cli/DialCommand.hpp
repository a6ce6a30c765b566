#pragma once
// `parley dial` (issue 9 "Outbound"): asks a running worker to phone someone through its SIP
// trunk, the same request as `POST /v1/calls`, and follows the call's progress.
//   parley dial --tenant demo --to +15551234567 [--context '{"name":"Ada"}'] [--trunk twilio]
//               [--ring-timeout 30] [--url http://127.0.0.1:8080] [--api-key K] [--no-wait]
// Prints the worker's answer ({"call_id", …}) and then one JSON line per progress event
// (dialing, ringing, answered, busy, no_answer, failed, ended) until the call is answered or
// failed. Exit codes: 0 answered (or placed, with --no-wait), 1 not answered (busy, no answer,
// failed) or the worker refused or could not be reached, 2 bad usage (caught before sending).
// The worker URL comes from --url, else $PARLEY_URL, else http://127.0.0.1:8080; the API key
// (the worker's /v1 routes need one) from --api-key, else $PARLEY_API_KEY.
#include <iosfwd>

namespace CLI {
class App;
}

namespace parley::agent {

/// Adds `dial` to `app`; its exit code goes to `exitCode`; output to `out`, messages to `err`.
void addDialCommand(CLI::App& app, int& exitCode, std::ostream& out, std::ostream& err);
/// Same with std::cout / std::cerr.
void addDialCommand(CLI::App& app, int& exitCode);

}  // namespace parley::agent
