#include "agent/session/DefaultProviderFactory.hpp"

#include "agent/WorkerContext.hpp"
#include "core/Error.hpp"

namespace parley::agent {

std::unique_ptr<dialog::SttStream> DefaultProviderFactory::makeStt(MediaLoop& loop,
                                                                   dialog::SttListener& listener) {
  if (!loop.ws) throw core::Error("media loop has no websocket context for the STT client");
  auto config = settings_.stt;
  config.sampleRate = 16000;  // sessions hear 16 kHz frames
  return std::make_unique<dialog::DeepgramStt>(*loop.ws, std::move(config), listener);
}

std::unique_ptr<dialog::LlmClient> DefaultProviderFactory::makeLlm(MediaLoop& loop) {
  if (!loop.http) throw core::Error("media loop has no HTTP client for the LLM");
  return std::make_unique<dialog::OpenAiChatClient>(*loop.http, settings_.llm);
}

std::unique_ptr<dialog::TtsStream> DefaultProviderFactory::makeTts(MediaLoop& loop,
                                                                   dialog::TtsListener& listener) {
  if (!loop.ws) throw core::Error("media loop has no websocket context for the TTS client");
  auto config = settings_.tts;
  // The leg's own form: ulaw_8000 for a PCMU phone leg, which ElevenLabs stream-input and the
  // local TTS server both offer (elevenlabs-ws.md output_format), so the µ-law goes into RTP
  // without a resample or encode step; 16 kHz PCM for every other leg.
  config.outputFormat =
      settings_.ttsAudio == media::OutboundAudioFormat::Ulaw8k ? "ulaw_8000" : "pcm_16000";
  return std::make_unique<dialog::ElevenLabsTts>(*loop.ws, std::move(config), listener);
}

}  // namespace parley::agent
