#pragma once
// Parley's local STT server speaking the Deepgram live websocket subset (deepgram-live.md):
// GET /v1/listen?encoding=linear16&sample_rate=8000|16000&channels=1&interim_results=…
// &endpointing=<ms|false>&utterance_end_ms=<ms>&vad_events=…&keywords=<word[:boost]>…
//  * binary frames: little-endian s16 mono audio (8 kHz is resampled to the 16 kHz model);
//  * text frames: {"type":"KeepAlive"} (no answer), {"type":"Finalize"} (final result with
//    from_finalize), {"type":"CloseStream"} (last results, Metadata, close 1000); anything else
//    gets {"type":"Error","variant":"SchemaError",…} and the stream goes on;
//  * Results (interim every kInterimEveryMs of speech when interim_results; final with
//    speech_final when pocketsphinx's VAD has seen `endpointing` ms of silence), SpeechStarted
//    (vad_events), UtteranceEnd (utterance_end_ms after the last final word), word timings;
//  * one pocketsphinx decoder per stream from a bounded pool: over capacity the handshake is
//    refused with 429 and a dg-error header that says so (Deepgram's answer beyond the
//    concurrency limit); a stream that still gets past it is closed with 1011 and that reason;
//  * no audio or message for kIdleTimeoutMs → close 1011 "NET-0001" as Deepgram does;
//  * unsupported or unknown query parameters → close 1008 "DATA-0000"/"unknown parameter".
// Keywords are added to the stream's domain model (the local twin of keyword boosting); a
// stream with keywords gets its own decoder instead of a pooled one, within the same bound.
#include <memory>
#include <string>

#include "dialog/local/LocalServer.hpp"
#include "dialog/local/stt/SphinxDecoder.hpp"

namespace parley::dialog::local {

/// Deepgram closes a socket that got neither audio nor a message for 10 s (NET-0001).
constexpr uint64_t kIdleTimeoutMs = 10'000;
/// Interim results while speech goes on: about as often as Deepgram sends them.
constexpr uint64_t kInterimEveryMs = 500;

struct LocalSttOptions {
  SphinxModel model;
  size_t maxStreams = 4;    ///< decoders (≈ 60 MB each); more streams are refused
  size_t warmDecoders = 0;  ///< loaded at start so the first call does not wait ≈ 1 s
};

class LocalSttService final : public LocalService {
 public:
  LocalSttService(uv_loop_t* loop, LocalSttOptions options);
  ~LocalSttService() override;
  std::optional<LocalReject> checkUpgrade(const LocalRequest& req) override;
  std::variant<std::unique_ptr<WsSession>, LocalReject> onUpgrade(const LocalRequest& req,
                                                                  WsPeer& peer) override;
  SphinxPool& pool() { return *pool_; }

 private:
  std::string capacityMessage() const;
  uv_loop_t* loop_;
  LocalSttOptions options_;
  std::shared_ptr<SphinxPool> pool_;
};

}  // namespace parley::dialog::local
