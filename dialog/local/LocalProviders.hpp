#pragma once
// The three local providers in one object (issue 6): the scripted booking policy (OpenAI chat
// completions), local TTS (ElevenLabs stream-input) and local STT (Deepgram /v1/listen), each on
// its own loop thread (STT decoding and TTS synthesis are CPU work that must not delay the
// others) and its own loopback port (0 = ephemeral). The worker starts them when no provider
// keys are set and points its ordinary clients at urls():
//   DeepgramConfig.url      = urls().deepgramListen      (apiKey empty)
//   ElevenLabsConfig.url    = urls().elevenLabsStream    (apiKey empty, voiceId = tenant voice)
//   OpenAiChatConfig.baseUrl = urls().openAiBase         (apiKey empty, model =
//   "parley-booking:<tenant>")
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "core/Clock.hpp"
#include "dialog/local/stt/LocalSttService.hpp"
#include "dialog/local/tts/LocalTtsService.hpp"
#include "tools/Tenant.hpp"

namespace parley::dialog::local {

struct LocalProvidersConfig {
  std::string host = "127.0.0.1";
  bool stt = true, tts = true, llm = true;         ///< which servers to run
  uint16_t sttPort = 0, ttsPort = 0, llmPort = 0;  ///< 0 = ephemeral
  /// Tenants: the policy serves each (the first is the default) and the STT domain model
  /// learns their vocabulary. The policy needs at least one.
  std::vector<std::shared_ptr<const tools::Tenant>> tenants;
  const core::Clock* clock = &core::SystemClock::instance();  ///< the policy's "now"
  LocalSttOptions sttOptions;
  LocalTtsOptions ttsOptions;
};

struct LocalProviderUrls {
  std::string deepgramListen;    ///< "ws://127.0.0.1:P/v1/listen" ("" if not running)
  std::string elevenLabsStream;  ///< "ws://127.0.0.1:P/v1/text-to-speech/{voice}/stream-input"
  std::string openAiBase;        ///< "http://127.0.0.1:P/v1"
};

class LocalProviders {
 public:
  explicit LocalProviders(LocalProvidersConfig config);
  /// Stops everything that runs.
  ~LocalProviders();
  LocalProviders(const LocalProviders&) = delete;
  LocalProviders& operator=(const LocalProviders&) = delete;

  /// Starts the configured servers and returns when all listen (STT decoders in
  /// sttOptions.warmDecoders are loaded first). Throws core::SystemError when a port cannot be
  /// bound and std::runtime_error when an engine cannot start; nothing keeps running then.
  void start();
  /// Makes a start() running on another thread give up soon: within about a second (one
  /// pocketsphinx model read cannot be interrupted) it stops what it started and throws
  /// ModelLoadCancelled. A worker told to stop while its speech models load calls this so it
  /// does not wait out a load it will never use. Thread-safe; later start() calls throw too.
  void cancelStart() { cancelStart_.request_stop(); }
  /// Closes every server and joins its thread. Idempotent.
  void stop();
  bool running() const { return running_; }
  LocalProviderUrls urls() const;
  uint16_t sttPort() const { return sttPort_; }
  uint16_t ttsPort() const { return ttsPort_; }
  uint16_t llmPort() const { return llmPort_; }

  struct Unit;

 private:
  LocalProvidersConfig config_;
  std::vector<std::unique_ptr<Unit>> units_;
  uint16_t sttPort_ = 0, ttsPort_ = 0, llmPort_ = 0;
  bool running_ = false;
  std::stop_source cancelStart_;
};

}  // namespace parley::dialog::local
