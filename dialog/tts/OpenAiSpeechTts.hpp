#pragma once
// TtsStream over OpenAI's speech endpoint, POST {baseUrl}/audio/speech with
// `response_format: "pcm"` (elevenlabs-ws.md §4): the reply body is raw 24 kHz 16-bit
// little-endian mono samples, no header, streamed (chunked) as it is generated. Runs on the loop's
// shared CurlMulti. Also works with OpenAI-compatible speech servers that implement the same
// route (only baseUrl, model, voice and key differ; dialog/README.md).
//
// HTTP has no incremental text input, so pushText() only collects text; flush() turns what was
// collected into one "utterance" and requests it. Utterances are synthesised one after the other
// (audio order must follow text order); an utterance longer than the endpoint's input bound is
// split at word boundaries into several requests. onTtsDone follows each flush() once all of
// its audio was delivered.
//
// Audio reaches the listener as whole samples: a body piece that ends inside a sample keeps the
// odd byte for the next piece. Retries (as the OpenAI SDK, openai-chat-stream.md §6): 408/409/
// 429/5xx, connect failures and a missed first-byte deadline are retried with backoff while no
// audio of the request was delivered; a body cut after audio started is a retryable
// Connectivity error. Errors drop every pending utterance.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/Metrics.hpp"
#include "core/Timer.hpp"
#include "dialog/net/Backoff.hpp"
#include "dialog/net/CurlMulti.hpp"
#include "dialog/tts/TtsStream.hpp"

namespace parley::dialog {

struct OpenAiSpeechConfig {
  std::string baseUrl = "https://api.openai.com/v1";  ///< "/audio/speech" is appended
  std::string apiKey;  ///< "Authorization: Bearer …"; empty = no header (local servers)
  std::string model = "gpt-4o-mini-tts";  ///< or tts-1, tts-1-hd
  std::string voice = "alloy";
  std::string instructions;  ///< voice style prompt (gpt-4o-mini-tts only); "" = not sent
  double speed = 1.0;        ///< 0.25–4.0
  uint64_t connectTimeoutMs = 5000;
  uint64_t firstByteTimeoutMs = 10'000;  ///< request start → first audio byte
  uint64_t totalTimeoutMs = 120'000;     ///< one request; 0 = none
  uint32_t maxRetries = 2;
  uint64_t retryInitialMs = 500;
  uint64_t retryMaxMs = 8000;
  bool verifyTls = true;

  /// Defaults overridden by OPENAI_BASE_URL and OPENAI_API_KEY when set.
  static OpenAiSpeechConfig fromEnvironment();
};

class OpenAiSpeechTts final : public TtsStream, private HttpListener {
 public:
  /// `pcm` output is always 24 kHz (the endpoint has no rate parameter).
  static constexpr int kSampleRate = 24000;
  /// `input` is limited to 4096 characters (openai-python speech_create_params.py); counted
  /// here in bytes, which is never more characters than that.
  static constexpr size_t kMaxInputBytes = 4096;

  /// `multi` (the loop's CurlMulti) and `listener` (the owner) are back-references.
  OpenAiSpeechTts(CurlMulti& multi, OpenAiSpeechConfig config, TtsListener& listener,
                  core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  ~OpenAiSpeechTts() override;

  void start() override {}  // nothing to pre-open: each utterance is one HTTP request
  void pushText(std::string_view text) override;
  void flush() override;
  void cancel() override;
  int audioSampleRate() const override { return kSampleRate; }
  TtsEncoding encoding() const override { return TtsEncoding::Pcm16; }

  /// True while a request runs or waits for a retry.
  bool busy() const { return transfer_ != nullptr || waitingRetry_; }
  /// The JSON body for `input` (exposed for tests and `parley tts`).
  std::string requestBody(std::string_view input) const;
  /// Splits `text` into pieces of at most `maxBytes`, at spaces when possible and never inside a
  /// UTF-8 sequence (exposed for tests).
  static std::vector<std::string> splitInput(std::string_view text, size_t maxBytes);

 private:
  struct Utterance {
    std::deque<std::string> pieces;  ///< request inputs still to synthesise
    bool firstAudio = true;          ///< TTFB not yet reported
  };
  void startNext();
  void startAttempt();
  void onHttpResponse(int status, const HttpHeaders& headers) override;
  void onHttpData(std::span<const uint8_t> bytes) override;
  void onHttpDone(const Done& done) override;
  void onFirstByteTimeout();
  void failOrRetry(ProviderError e);
  void fail(ProviderError e);
  void reset();

  CurlMulti& multi_;
  OpenAiSpeechConfig config_;
  TtsListener& listener_;  ///< back-reference (owner)
  core::Histogram& ttfb_;
  core::Counter& retries_;
  core::Timer firstByteTimer_;
  core::Timer retryTimer_;
  Backoff backoff_;
  std::unique_ptr<HttpTransfer> transfer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::string pending_;               ///< pushed, not yet flushed
  std::deque<Utterance> utterances_;  ///< flushed; front() is being synthesised
  std::string errorBody_;             ///< body of a non-2xx response (bounded)
  uint64_t requestStartNs_ = 0;       ///< first attempt of the current request
  uint64_t retryAfterMs_ = 0;
  int status_ = 0;
  bool waitingRetry_ = false;
  bool requestGotAudio_ = false;  ///< audio of the current request reached the listener
  bool haveOddByte_ = false;      ///< a sample split across body pieces
  uint8_t oddByte_ = 0;
};

}  // namespace parley::dialog
