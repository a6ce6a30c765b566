#pragma once
// SttStream over Deepgram live streaming, websocket /v1/listen (deepgram-live.md). Also speaks to
// Parley's local STT server, which serves the same protocol (DESIGN.md §5).
//
// Audio is sent as linear16 binary frames of `frameMs` (20–100 ms); a `KeepAlive` text frame
// goes out when no audio flowed for `keepAliveMs` (the server closes after 10 s of silence,
// NET-0001); `Finalize` and `CloseStream` are sent on request. Every sample since the last final
// result is kept, so when the socket drops mid-call (close 1006/1011, or a refused reconnect
// with 429/5xx) the client reconnects with backoff and resends that audio: no speech is lost
// (LiveKit #6467, Pipecat #1113). Transcript times stay relative to the stream's first sample.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/Metrics.hpp"
#include "core/Timer.hpp"
#include "dialog/net/Backoff.hpp"
#include "dialog/net/WsConnection.hpp"
#include "dialog/stt/SttStream.hpp"

namespace parley::dialog {

struct DeepgramConfig {
  std::string url = "wss://api.deepgram.com/v1/listen";  ///< query parameters are appended
  std::string apiKey;  ///< "Authorization: Token <key>"; empty = no header (local server)
  std::string model = "nova-3";
  std::string language = "en";
  int sampleRate = 16000;  ///< 8000 or 16000 (Hz); encoding is always linear16, 1 channel
  bool interimResults = true;
  int endpointingMs = 300;    ///< < 0 sends endpointing=false
  int utteranceEndMs = 1000;  ///< 0 = not requested (needs interim results)
  bool vadEvents = true;
  bool smartFormat = true;
  bool punctuate = true;
  std::vector<std::string> keywords;  ///< "word:boost" (Nova-2)
  std::vector<std::string> keyterms;  ///< Nova-3 keyterm prompting
  uint32_t frameMs = 40;              ///< audio per binary frame, 20–100 ms
  uint64_t keepAliveMs = 4000;        ///< KeepAlive when no audio for this long (docs: 3–5 s)
  uint64_t connectTimeoutMs = 5000;
  uint64_t closeTimeoutMs = 5000;  ///< after CloseStream, give up waiting for the server
  uint32_t maxReconnects = 5;      ///< per drop; reset by a successful connection
  uint64_t reconnectInitialMs = 200;
  uint64_t reconnectMaxMs = 4000;
  uint32_t maxResendMs = 60'000;  ///< bound on audio kept for resending (oldest dropped)

  /// Defaults with DEEPGRAM_API_KEY from the environment.
  static DeepgramConfig fromEnvironment();
  /// The full URL with query parameters (deepgram-live.md §2).
  std::string listenUrl() const;
  /// Asks the STT to expect `phrases` (a tenant's staff names, services): keyterm=<phrase> for
  /// Nova-3 and Flux models, which refuse `keywords`, else keywords=<word>:<boost> per word
  /// (Nova-2 and older, and Parley's local STT; single words only, as Deepgram's keyword docs
  /// ask). Words are lower-cased letters/apostrophes, duplicates dropped, titles ("Dr.") kept
  /// only in keyterms; at most kMaxKeywords values are added (Deepgram: 100 keywords).
  void expectVocabulary(const std::vector<std::string>& phrases, double boost = 2);
  static constexpr size_t kMaxKeywords = 100;
};

class DeepgramStt final : public SttStream, private WsListener {
 public:
  /// `context` is the loop's websocket context and `listener` the owner; both back-references
  /// that must outlive this object.
  DeepgramStt(WsClientContext& context, DeepgramConfig config, SttListener& listener,
              core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  ~DeepgramStt() override;

  void start() override;
  void pushAudio(std::span<const int16_t> samples) override;
  void finalize() override;
  void close() override;
  int sampleRate() const override { return config_.sampleRate; }

  /// Samples kept for a possible resend (not yet covered by a final result).
  size_t bufferedSamples() const { return unconfirmed_.size(); }
  bool connected() const { return ws_->isOpen(); }

 private:
  enum class State { Idle, Connecting, Open, Waiting, Closing, Closed, Failed };
  void connect();
  void sendPending(bool all);
  void onWsOpen(const HttpHeaders& headers) override;
  void onWsText(std::string_view text) override;
  void onWsBinary(std::span<const uint8_t>) override {}
  void onWsClosed(const WsCloseInfo& info) override;
  void confirmUpTo(double connectionTimeS);
  void retryOrFail(ProviderError error);
  void fail(ProviderError error);
  void onKeepAliveTick();

  WsClientContext& context_;
  DeepgramConfig config_;
  SttListener& listener_;  ///< back-reference (owner)
  std::unique_ptr<WsConnection> ws_;
  core::Timer keepAlive_;
  core::Timer reconnectTimer_;
  core::Timer closeTimer_;
  Backoff backoff_;
  core::Histogram& connectSeconds_;
  core::Histogram& finalLatencySeconds_;
  core::Counter& reconnects_;
  core::Counter& droppedSamples_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  State state_ = State::Idle;
  std::deque<int16_t> unconfirmed_;  ///< audio since the last final result
  uint64_t unconfirmedStart_ = 0;    ///< stream sample index of unconfirmed_.front()
  size_t sentOnConnection_ = 0;      ///< of unconfirmed_, how many went out on this connection
  double connectionOffsetS_ = 0;     ///< stream time of this connection's first sample
  std::deque<std::pair<uint64_t, uint64_t>> pushTimes_;  ///< (end sample, uv_hrtime ns)
  uint64_t connectStartNs_ = 0;
  uint64_t lastSendNs_ = 0;
  uint32_t reconnectCount_ = 0;
  bool closeRequested_ = false;
  bool finalizePending_ = false;
};

}  // namespace parley::dialog
