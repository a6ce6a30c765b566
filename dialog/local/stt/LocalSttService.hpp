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
// Keywords (keywords=<word>[:<boost>], keyterm=<phrase>; at most 100) are the local twin of
// Deepgram's keyword boosting: a stream whose keywords are all in the server's domain model
// (its tenants' vocabulary — what the worker passes) is served by a pooled decoder, which
// already expects them in booking contexts. Otherwise the stream gets its own decoder (about a
// second to load, on the loop thread) within the same bound, whose domain model holds the
// keywords in booking contexts, more of them the higher the boost; words the dictionary lacks
// get flite's letter-to-sound pronunciation. That decoder is dropped at the end, so no other
// stream hears its keywords. A boost that is not a number, a keyword without letters or more
// than 100 keywords are refused with 400 "DATA-0000".
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
  size_t maxStreams = 4;  ///< decoders (≈ 60 MB each); more streams are refused
  /// Loaded at start so the first call does not wait for one (≈ 1 s, several on a loaded host:
  /// console's first caller turn was lost while its decoder loaded on the loop thread).
  size_t warmDecoders = 1;
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
