#pragma once
// `parley console` (issue 7): one whole call through a scripted caller leg with the tenant's
// providers (local engines by default), without a network peer.
//   parley console --tenant ID --script caller.yaml [--out agent.wav] [--json] [--realtime]
//                  [--providers local|cloud] [--now ISO] [--tenants-dir D] [--data-dir D]
// Prints the live transcript with states, tool calls and per-turn latencies; with --json, one
// JSON document at the end (transcript, tool calls, outcome, bookings, turns, barge-ins) on
// stdout and the live lines on stderr. Virtual time by default (fast, deterministic decisions);
// --realtime paces the call on a 20 ms clock. Exit codes: 0 the call completed, 1 it failed
// (provider failure, no end), 2 bad usage (unknown tenant, bad script).
#include <iosfwd>

namespace CLI {
class App;
}

namespace parley::agent {

/// Adds `console` to `app`; its exit code goes to `exitCode`.
void addConsoleCommand(CLI::App& app, int& exitCode);

}  // namespace parley::agent
