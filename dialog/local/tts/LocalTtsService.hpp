#pragma once
// Parley's local TTS server speaking the ElevenLabs stream-input websocket subset
// (elevenlabs-ws.md §1): GET /v1/text-to-speech/{voice_id}/stream-input?output_format=…
//  * voice_id "slt" | "kal" | "awb" | "rms" → flite (English); "espeak-<lang>" or any voice with
//    language_code other than "en" → espeak-ng in that language; any other id → the default
//    voice (so a tenant configured with a cloud voice id still speaks when run locally);
//  * output_format pcm_16000 | pcm_22050 | pcm_24000 | ulaw_8000 (anything else: close 1008 with
//    the reason, as the service refuses unknown formats);
//  * messages: initialize ({"text":" "} first, settings ignored), text chunks, "flush": true,
//    end of input ({"text":""} → the rest, then {"isFinal":true}, close 1000), keep-alive
//    ({"text":" "}); inactivity_timeout (default 20 s, ≤ 180) closes with 1008 and ElevenLabs'
//    message; unreadable JSON gets {"error":"invalid_message",…} and close 1008.
//  * audio goes out one message per sentence as soon as it is synthesised, with `alignment` and
//    `normalizedAlignment` (chars, charStartTimesMs, charDurationsMs relative to that chunk).
#include <memory>
#include <string>

#include "dialog/local/LocalServer.hpp"

namespace parley::dialog::local {

struct LocalTtsOptions {
  std::string defaultVoice = "slt";  ///< flite voice for unknown voice ids (the demo tenant's)
  int maxSessions = 16;              ///< concurrent sockets; more are closed with 1011 and a reason
};

class LocalTtsService final : public LocalService {
 public:
  LocalTtsService(uv_loop_t* loop, LocalTtsOptions options = {});
  ~LocalTtsService() override;
  std::optional<LocalReject> checkUpgrade(const LocalRequest& req) override;
  std::variant<std::unique_ptr<WsSession>, LocalReject> onUpgrade(const LocalRequest& req,
                                                                  WsPeer& peer) override;
  int activeSessions() const;

  struct Shared;

 private:
  /// A validated request: engine key, output rate and law, inactivity timeout, voice id.
  struct Route {
    std::string key;
    int rate = 16000;
    bool ulaw = false;
    int inactivityS = 20;
    std::string voice;
  };
  std::variant<Route, LocalReject> validate(const LocalRequest& req) const;
  uv_loop_t* loop_;
  LocalTtsOptions options_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace parley::dialog::local
