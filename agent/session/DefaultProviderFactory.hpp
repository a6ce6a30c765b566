#pragma once
// The provider clients a session uses unless ProviderSettings::factory says otherwise: Deepgram
// live STT, an OpenAI-compatible chat client and ElevenLabs stream-input TTS, on the media loop's
// shared WsClientContext / CurlMulti (DESIGN.md §2, §5). Local providers are the same clients
// pointed at the worker's loopback server.
#include "agent/session/ProviderSettings.hpp"

namespace parley::agent {

class DefaultProviderFactory final : public ProviderFactory {
 public:
  explicit DefaultProviderFactory(const ProviderSettings& settings) : settings_(settings) {}
  std::unique_ptr<dialog::SttStream> makeStt(MediaLoop& loop,
                                             dialog::SttListener& listener) override;
  std::unique_ptr<dialog::LlmClient> makeLlm(MediaLoop& loop) override;
  std::unique_ptr<dialog::TtsStream> makeTts(MediaLoop& loop,
                                             dialog::TtsListener& listener) override;

 private:
  const ProviderSettings& settings_;  ///< borrowed; the session's copy outlives the factory use
};

}  // namespace parley::agent
