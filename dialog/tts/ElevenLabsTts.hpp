#pragma once
// TtsStream over the ElevenLabs stream-input websocket,
// /v1/text-to-speech/{voice_id}/stream-input (elevenlabs-ws.md §1). Also the protocol of
// Parley's local TTS server (DESIGN.md §5).
//
// One socket per reply, opened ahead of time: start() (and the end of every reply) opens the next
// socket and sends the initialize message (single space, voice_settings, generation_config), so
// the first sentence does not pay the connect time. pushText sends each sentence ending in one
// space with try_trigger_generation; flush() sends end of input ({"text":""}); the server answers
// with the remaining audio and isFinal, and closes. An idle socket gets {"text":" "} keep-alives
// (the server closes after inactivity_timeout with 1008). Audio arrives base64 and is decoded
// as it comes; alignment (relative to each chunk) becomes word timings relative to the reply.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/Metrics.hpp"
#include "core/Timer.hpp"
#include "dialog/net/WsConnection.hpp"
#include "dialog/tts/TtsStream.hpp"

namespace parley::dialog {

struct ElevenLabsConfig {
  /// "{voice}" is replaced by voiceId; query parameters are appended.
  std::string url = "wss://api.elevenlabs.io/v1/text-to-speech/{voice}/stream-input";
  std::string apiKey;  ///< sent as the xi-api-key header; empty = none (local server)
  std::string voiceId = "21m00Tcm4TlvDq8ikWAM";
  std::string modelId = "eleven_flash_v2_5";
  std::string outputFormat = "pcm_16000";  ///< pcm_16000 | pcm_24000 | ulaw_8000
  std::string languageCode;                ///< ISO 639-1, multilingual models only; "" = not sent
  double stability = 0.5;
  double similarityBoost = 0.75;
  double speed = 1.0;  ///< 0.7–1.2
  std::vector<int> chunkLengthSchedule = {120, 160, 250, 290};
  int inactivityTimeoutS = 60;  ///< server closes an idle socket after this (≤ 180)
  uint64_t keepAliveMs = 15'000;
  uint64_t connectTimeoutMs = 5000;

  /// Defaults with ELEVEN_API_KEY from the environment.
  static ElevenLabsConfig fromEnvironment();
  std::string streamUrl() const;
};

class ElevenLabsTts final : public TtsStream, private WsListener {
 public:
  /// `context` (the loop's websocket context) and `listener` are back-references.
  ElevenLabsTts(WsClientContext& context, ElevenLabsConfig config, TtsListener& listener,
                core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  ~ElevenLabsTts() override;

  void start() override;
  void pushText(std::string_view text) override;
  void flush() override;
  void cancel() override;
  int audioSampleRate() const override;
  TtsEncoding encoding() const override;
  bool connected() const { return ws_ && ws_->isOpen(); }

  /// The initialize message (exposed for tests).
  std::string initMessage() const;

 private:
  void open();
  void onWsOpen(const HttpHeaders&) override {}
  void onWsText(std::string_view text) override;
  void onWsBinary(std::span<const uint8_t>) override {}
  void onWsClosed(const WsCloseInfo& info) override;
  void fail(ProviderError e);
  void addAlignment(const struct ElevenLabsAlignment& a);
  void emitPendingWord();

  WsClientContext& context_;
  ElevenLabsConfig config_;
  TtsListener& listener_;  ///< back-reference (owner)
  std::unique_ptr<WsConnection> ws_;
  core::Timer keepAlive_;
  core::Histogram& ttfb_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool started_ = false;
  bool turnActive_ = false;  ///< text pushed on the current socket
  bool flushed_ = false;     ///< end of input sent
  bool gotAudio_ = false;
  uint64_t turnStartNs_ = 0;
  uint64_t lastSendNs_ = 0;
  double audioMs_ = 0;  ///< audio delivered in this reply (the offset of the next chunk)
  std::vector<TtsWordTiming> words_;
  TtsWordTiming pendingWord_;
  bool hasPendingWord_ = false;
};

}  // namespace parley::dialog
