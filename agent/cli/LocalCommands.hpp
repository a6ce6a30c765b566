#pragma once
// `parley local stt|tts|llm|all` (issue 6): run Parley's local providers as servers on their own,
// speaking the Deepgram, ElevenLabs and OpenAI protocols (DESIGN.md §5), until SIGINT/SIGTERM.
//   parley local llm [--port 8081] [--tenants-dir config/tenants] [--now 2025-01-06T10:00:00-05:00]
//   parley local tts [--port 8082] [--max-streams 16]
//   parley local stt [--port 8083] [--max-streams 4] [--warm 1]
//   parley local all                      (all three, ephemeral ports unless given)
// On start it prints one JSON line with the URLs the clients use:
//   {"stt":"ws://127.0.0.1:P/v1/listen","tts":"ws://…/v1/text-to-speech/{voice}/stream-input",
//    "llm":"http://127.0.0.1:P/v1"}
// Exit codes: 0 after a signal, 1 when a server cannot start (port in use, models missing),
// 2 bad usage (tenant files).
#include <iosfwd>

namespace CLI {
class App;
}

namespace parley::agent {

/// Adds the `local` subcommand to `app`; its exit code goes to `exitCode`.
void addLocalCommands(CLI::App& app, int& exitCode);

}  // namespace parley::agent
