#pragma once
// Which STT, LLM and TTS endpoints a session talks to, and the conversation's knobs. One client
// per protocol serves both the cloud providers and Parley's embedded local engines (DESIGN.md
// §5): for "local" the URLs point at the worker's loopback local-provider server.
#include <memory>

#include "dialog/conversation/ConversationConfig.hpp"
#include "dialog/llm/OpenAiChatClient.hpp"
#include "dialog/stt/DeepgramStt.hpp"
#include "dialog/tts/ElevenLabsTts.hpp"
#include "media/AudioFrame.hpp"

namespace parley::dialog {
class LlmClient;
class SttStream;
class SttListener;
class TtsStream;
class TtsListener;
}  // namespace parley::dialog

namespace parley::agent {

struct MediaLoop;

/// Creates the provider clients of one session on its media loop. The default (ProviderSettings
/// without a factory) builds DeepgramStt / OpenAiChatClient / ElevenLabsTts from the configs on
/// the loop's WsClientContext and CurlMulti. Tests and fallback adapters supply their own.
/// Called on the session's loop thread, once each per session.
class ProviderFactory {
 public:
  virtual ~ProviderFactory() = default;
  virtual std::unique_ptr<dialog::SttStream> makeStt(MediaLoop& loop,
                                                     dialog::SttListener& listener) = 0;
  virtual std::unique_ptr<dialog::LlmClient> makeLlm(MediaLoop& loop) = 0;
  virtual std::unique_ptr<dialog::TtsStream> makeTts(MediaLoop& loop,
                                                     dialog::TtsListener& listener) = 0;
};

struct ProviderSettings {
  dialog::DeepgramConfig stt;  ///< sampleRate must be 16000 (sessions hear 16 kHz frames)
  dialog::OpenAiChatConfig llm;
  dialog::ElevenLabsConfig tts;  ///< outputFormat is set from ttsAudio by DefaultProviderFactory
  /// The form the call leg sends as is (CallLeg::preferredOutboundFormat; the session sets it):
  /// Ulaw8k on a PCMU phone leg makes the TTS speak ulaw_8000 straight into RTP.
  media::OutboundAudioFormat ttsAudio = media::OutboundAudioFormat::Pcm16k;
  dialog::ConversationConfig conversation;
  /// Optional override of how clients are made (null: the three configs above are used).
  std::shared_ptr<ProviderFactory> factory;
  /// The STT / TTS configs point at Parley's local engines (pocketsphinx, flite/espeak-ng): the
  /// call's language then picks a local voice, and the English-only STT model is noted.
  bool localStt = false;
  bool localTts = false;
};

}  // namespace parley::agent
