#pragma once
// `parley stt|llm|tts` (issue 5): check a provider configuration end to end from the command
// line, with the same clients a call uses. Each prints JSON lines of events on stdout.
//   parley stt [--provider deepgram] [--url U] [--model M] [--language L] --in file.wav
//       → connected, speech_started, transcript (interim and final), utterance_end, closed
//   parley llm [--base-url U] [--model M] [--tenant ID] --say "text"   (alias --prompt)
//       → text deltas, tool_calls (the tenant's booking tools are offered), done with TTFT/usage
//   parley tts --provider elevenlabs|openai [--url U] [--voice V] [--model M] --text "…"
//       --out file.wav → audio written as 16-bit WAV; done with TTFB, sample rate and length
// URLs, models and voices default to the worker config (providers.* keys of config/parley.yaml,
// `--config FILE` or $PARLEY_CONFIG), keys come from the config or the environment
// (DEEPGRAM_API_KEY, OPENAI_API_KEY, ELEVEN_API_KEY) — never from the command line, where `ps`
// would show them. Exit codes: 0 ok, 1 provider error (printed as an "error" event with its
// category), 2 bad usage or config.
#include <iosfwd>

namespace CLI {
class App;
}

namespace parley::agent {

/// Adds `stt`, `llm` and `tts` to `app`. When one runs, its exit code goes to `exitCode`. Events
/// go to `out`, messages to `err` (both must outlive `app`).
void addProviderCommands(CLI::App& app, int& exitCode, std::ostream& out, std::ostream& err);

/// Same, writing to std::cout / std::cerr.
void addProviderCommands(CLI::App& app, int& exitCode);

}  // namespace parley::agent
