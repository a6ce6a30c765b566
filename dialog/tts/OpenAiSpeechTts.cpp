#include "dialog/tts/OpenAiSpeechTts.hpp"

#include <uv.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/Log.hpp"
#include "dialog/net/OpenAiErrorBody.hpp"
#include "dialog/net/RetryAfter.hpp"

namespace parley::dialog {

namespace {
using nlohmann::json;

const core::Logger& log() {
  static const core::Logger l("tts");
  return l;
}

bool isContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}
}  // namespace

OpenAiSpeechConfig OpenAiSpeechConfig::fromEnvironment() {
  OpenAiSpeechConfig c;
  if (const char* base = std::getenv("OPENAI_BASE_URL"); base && *base) c.baseUrl = base;
  if (const char* key = std::getenv("OPENAI_API_KEY"); key && *key) c.apiKey = key;
  return c;
}

OpenAiSpeechTts::OpenAiSpeechTts(CurlMulti& multi, OpenAiSpeechConfig config, TtsListener& listener,
                                 core::MetricsRegistry& metrics)
    : multi_(multi),
      config_(std::move(config)),
      listener_(listener),
      ttfb_(metrics.histogram("parley_tts_ttfb_seconds",
                              "First text of a reply pushed → first audio received (seconds)",
                              core::latencyBucketsSeconds(), {{"provider", "openai"}})),
      retries_(metrics.counter("parley_tts_retries_total", "TTS requests retried after an error",
                               {{"provider", "openai"}})),
      firstByteTimer_(multi.loop(), [this] { onFirstByteTimeout(); }),
      retryTimer_(multi.loop(), [this] { startAttempt(); }),
      backoff_({.initialMs = config_.retryInitialMs,
                .maxMs = config_.retryMaxMs,
                .maxAttempts = config_.maxRetries}) {}

OpenAiSpeechTts::~OpenAiSpeechTts() {
  *alive_ = false;
  transfer_.reset();
}

std::string OpenAiSpeechTts::requestBody(std::string_view input) const {
  json body{{"model", config_.model},
            {"input", std::string(input)},
            {"voice", config_.voice},
            {"response_format", "pcm"},
            {"speed", config_.speed}};
  if (!config_.instructions.empty()) body["instructions"] = config_.instructions;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> OpenAiSpeechTts::splitInput(std::string_view text, size_t maxBytes) {
  std::vector<std::string> out;
  text = trimSpaces(text);
  while (!text.empty() && maxBytes > 0) {
    if (text.size() <= maxBytes) {
      out.emplace_back(text);
      break;
    }
    size_t cut = maxBytes;
    while (cut > 0 && isContinuationByte(text[cut])) --cut;  // never split a code point
    if (cut == 0) cut = maxBytes;  // no boundary found: a garbage run, cut it anyway
    size_t space = text.substr(0, cut + 1).rfind(' ');
    // Prefer a word boundary, unless it would leave a tiny piece (one huge "word").
    if (space != std::string_view::npos && space >= cut / 2) cut = space;
    std::string_view piece = trimSpaces(text.substr(0, cut));
    if (!piece.empty()) out.emplace_back(piece);
    text = trimSpaces(text.substr(cut));
  }
  return out;
}

void OpenAiSpeechTts::pushText(std::string_view text) {
  if (text.empty()) return;
  // Sentences arrive without their separating space ("Hello." "How are you?").
  if (!pending_.empty() && pending_.back() != ' ' && text.front() != ' ') pending_.push_back(' ');
  pending_.append(text);
}

void OpenAiSpeechTts::flush() {
  auto pieces = splitInput(pending_, kMaxInputBytes);
  pending_.clear();
  if (pieces.empty()) return;
  Utterance u;
  u.pieces.assign(pieces.begin(), pieces.end());
  utterances_.push_back(std::move(u));
  if (!busy()) startNext();
}

void OpenAiSpeechTts::cancel() {
  reset();
  pending_.clear();
}

void OpenAiSpeechTts::reset() {
  transfer_.reset();
  firstByteTimer_.stop();
  retryTimer_.stop();
  waitingRetry_ = false;
  utterances_.clear();
  haveOddByte_ = false;
  errorBody_.clear();
}

void OpenAiSpeechTts::startNext() {
  if (utterances_.empty()) return;
  requestStartNs_ = uv_hrtime();
  backoff_.reset();
  startAttempt();
}

void OpenAiSpeechTts::startAttempt() {
  waitingRetry_ = false;
  if (utterances_.empty()) return;
  status_ = 0;
  retryAfterMs_ = 0;
  errorBody_.clear();
  requestGotAudio_ = false;
  haveOddByte_ = false;
  HttpRequest r;
  r.url = config_.baseUrl;
  while (!r.url.empty() && r.url.back() == '/') r.url.pop_back();
  r.url += "/audio/speech";
  r.headers = {"Content-Type: application/json"};
  if (!config_.apiKey.empty()) r.headers.push_back("Authorization: Bearer " + config_.apiKey);
  r.body = requestBody(utterances_.front().pieces.front());
  r.connectTimeoutMs = config_.connectTimeoutMs;
  r.totalTimeoutMs = config_.totalTimeoutMs;
  r.verifyTls = config_.verifyTls;
  transfer_ = multi_.start(r, *this);
  if (config_.firstByteTimeoutMs) firstByteTimer_.start(config_.firstByteTimeoutMs);
}

void OpenAiSpeechTts::onHttpResponse(int status, const HttpHeaders& headers) {
  status_ = status;
  firstByteTimer_.stop();  // reported with the first body byte (or at the end of an empty body)
  if (status < 200 || status >= 300) retryAfterMs_ = retryAfterMs(headers, std::time(nullptr));
}

void OpenAiSpeechTts::onHttpData(std::span<const uint8_t> bytes) {
  if (status_ < 200 || status_ >= 300) {
    if (errorBody_.size() < kMaxErrorBodyBytes)
      errorBody_.append(reinterpret_cast<const char*>(bytes.data()),
                        std::min(bytes.size(), kMaxErrorBodyBytes - errorBody_.size()));
    return;
  }
  if (bytes.empty() || utterances_.empty()) return;
  requestGotAudio_ = true;
  // Deliver whole samples only: join a sample split across pieces, keep a trailing odd byte.
  uint8_t joined[2] = {0, 0};
  bool haveJoined = false;
  if (haveOddByte_) {
    joined[0] = oddByte_;
    joined[1] = bytes[0];
    haveJoined = true;
    haveOddByte_ = false;
    bytes = bytes.subspan(1);
  }
  if (bytes.size() % 2) {
    oddByte_ = bytes.back();
    haveOddByte_ = true;
    bytes = bytes.first(bytes.size() - 1);
  }
  Utterance& u = utterances_.front();
  auto alive = alive_;
  auto emit = [&](std::span<const uint8_t> pcm) {
    double ttfbMs = 0;
    if (u.firstAudio) {
      u.firstAudio = false;
      ttfbMs = std::max(static_cast<double>(uv_hrtime() - requestStartNs_) / 1e6, 1e-3);
      ttfb_.observe(ttfbMs / 1000.0);
    }
    listener_.onTtsAudio(pcm, ttfbMs);
  };
  HttpTransfer* current = transfer_.get();
  if (haveJoined) {
    emit(joined);
    // The listener may have destroyed or cancelled us (barge-in) from the callback.
    if (!*alive || transfer_.get() != current || !current) return;
  }
  if (!bytes.empty()) emit(bytes);
}

void OpenAiSpeechTts::onHttpDone(const Done& done) {
  transfer_.reset();
  firstByteTimer_.stop();
  if (utterances_.empty()) return;
  if (status_ >= 300 || (status_ > 0 && status_ < 200)) {
    ProviderError e = errorForHttpStatus(status_, openAiErrorMessage(errorBody_));
    e.retryAfterMs = retryAfterMs_;
    // "You exceeded your current quota" is a 429 that no wait will fix.
    if (status_ == 429 && e.message.find("quota") != std::string::npos) e.retryable = false;
    return failOrRetry(std::move(e));
  }
  if (done.curlCode != 0) {
    ProviderError e{
        .category = done.timedOut ? ErrorCategory::Timeout : ErrorCategory::Connectivity,
        .retryable = true,
        .message = done.message};
    if (requestGotAudio_) return fail(std::move(e));  // cut mid-way: audio was already played
    return failOrRetry(std::move(e));
  }
  if (haveOddByte_) log().debug("speech body ended inside a sample; last byte dropped");
  Utterance& u = utterances_.front();
  u.pieces.pop_front();
  if (!u.pieces.empty()) return startAttempt();
  utterances_.pop_front();
  startNext();  // never calls back synchronously, so the listener hears onTtsDone last
  listener_.onTtsDone();
}

void OpenAiSpeechTts::onFirstByteTimeout() {
  if (requestGotAudio_ || utterances_.empty()) return;
  transfer_.reset();
  failOrRetry({.category = ErrorCategory::Timeout,
               .retryable = true,
               .message = "no audio within " + std::to_string(config_.firstByteTimeoutMs) + " ms"});
}

void OpenAiSpeechTts::failOrRetry(ProviderError e) {
  if (e.retryable && !requestGotAudio_) {
    if (auto delay = backoff_.next(e.retryAfterMs)) {
      retries_.inc();
      log().info("speech request retrying in {} ms after {} ({})", *delay, categoryName(e.category),
                 e.message);
      transfer_.reset();
      firstByteTimer_.stop();
      waitingRetry_ = true;
      retryTimer_.start(*delay);
      return;
    }
  }
  fail(std::move(e));
}

void OpenAiSpeechTts::fail(ProviderError e) {
  reset();
  pending_.clear();
  log().warn("TTS failed: {} ({})", categoryName(e.category), e.message);
  listener_.onTtsError(e);
}

}  // namespace parley::dialog
