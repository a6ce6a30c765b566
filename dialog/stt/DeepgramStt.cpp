#include "dialog/stt/DeepgramStt.hpp"

#include <uv.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/Log.hpp"
#include "dialog/net/Url.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "dialog/stt/DeepgramMessage.hpp"

namespace parley::dialog {

namespace {
const core::Logger& log() {
  static const core::Logger l("stt");
  return l;
}
bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}
}  // namespace

DeepgramConfig DeepgramConfig::fromEnvironment() {
  DeepgramConfig c;
  if (const char* key = std::getenv("DEEPGRAM_API_KEY"); key && *key) c.apiKey = key;
  return c;
}

std::string DeepgramConfig::listenUrl() const {
  std::vector<std::pair<std::string, std::string>> q = {
      {"model", model},
      {"language", language},
      {"encoding", "linear16"},
      {"sample_rate", std::to_string(sampleRate)},
      {"channels", "1"},
      {"interim_results", interimResults ? "true" : "false"},
      {"endpointing", endpointingMs < 0 ? "false" : std::to_string(endpointingMs)},
  };
  if (utteranceEndMs > 0 && interimResults)  // UtteranceEnd requires interim results
    q.emplace_back("utterance_end_ms", std::to_string(utteranceEndMs));
  q.emplace_back("vad_events", vadEvents ? "true" : "false");
  q.emplace_back("smart_format", smartFormat ? "true" : "false");
  q.emplace_back("punctuate", punctuate ? "true" : "false");
  for (const auto& k : keywords) q.emplace_back("keywords", k);
  for (const auto& k : keyterms) q.emplace_back("keyterm", k);
  return url + (url.find('?') == std::string::npos ? "?" : "&") + buildQuery(q);
}

void DeepgramConfig::expectVocabulary(const std::vector<std::string>& phrases, double boost) {
  const bool keyterm = model.rfind("nova-3", 0) == 0 || model.rfind("flux", 0) == 0;
  std::vector<std::string>& list = keyterm ? keyterms : keywords;
  auto add = [&](const std::string& v) {
    if (!v.empty() && list.size() < kMaxKeywords &&
        std::find(list.begin(), list.end(), v) == list.end())
      list.push_back(v);
  };
  char b[32];
  std::snprintf(b, sizeof b, "%g", boost);
  for (const auto& p : phrases) {
    if (keyterm) {
      add(p);
      continue;
    }
    std::string word;
    for (size_t i = 0; i <= p.size(); ++i) {
      auto c = i < p.size() ? static_cast<unsigned char>(p[i]) : ' ';
      if (std::isalpha(c) || c == '\'') {
        word += static_cast<char>(std::tolower(c));
        continue;
      }
      if (c == '.' && (word == "dr" || word == "mr" || word == "mrs" || word == "ms")) word.clear();
      if (!word.empty()) add(word + ":" + b);
      word.clear();
    }
  }
}

DeepgramStt::DeepgramStt(WsClientContext& context, DeepgramConfig config, SttListener& listener,
                         core::MetricsRegistry& metrics)
    : context_(context),
      config_(std::move(config)),
      listener_(listener),
      ws_(std::make_unique<WsConnection>(context, static_cast<WsListener&>(*this))),
      keepAlive_(context.loop(), [this] { onKeepAliveTick(); }),
      reconnectTimer_(context.loop(), [this] { connect(); }),
      closeTimer_(context.loop(),
                  [this] {
                    if (state_ != State::Closing) return;
                    log().warn("no close from the STT server within {} ms", config_.closeTimeoutMs);
                    ws_ = std::make_unique<WsConnection>(
                        context_, static_cast<WsListener&>(*this));  // drops the old one
                    state_ = State::Closed;
                    keepAlive_.stop();
                    listener_.onSttClosed();
                  }),
      backoff_({.initialMs = config_.reconnectInitialMs,
                .maxMs = config_.reconnectMaxMs,
                .maxAttempts = config_.maxReconnects}),
      connectSeconds_(metrics.histogram("parley_stt_connect_seconds",
                                        "STT websocket connect time (seconds)",
                                        core::latencyBucketsSeconds(), {{"provider", "deepgram"}})),
      finalLatencySeconds_(metrics.histogram(
          "parley_stt_final_latency_seconds",
          "Last audio sample of a final result pushed → result received (seconds)",
          core::latencyBucketsSeconds(), {{"provider", "deepgram"}})),
      reconnects_(metrics.counter("parley_stt_reconnects_total", "STT websocket reconnects",
                                  {{"provider", "deepgram"}})),
      droppedSamples_(metrics.counter("parley_stt_resend_dropped_samples_total",
                                      "Audio dropped from the STT resend buffer (over its bound)",
                                      {{"provider", "deepgram"}})) {
  config_.frameMs = std::clamp<uint32_t>(config_.frameMs, 20, 100);
}

DeepgramStt::~DeepgramStt() {
  *alive_ = false;
}

void DeepgramStt::start() {
  if (state_ != State::Idle) return;
  connect();
  keepAlive_.start(std::max<uint64_t>(config_.keepAliveMs / 4, 50),
                   std::max<uint64_t>(config_.keepAliveMs / 4, 50));
}

void DeepgramStt::connect() {
  state_ = State::Connecting;
  connectStartNs_ = uv_hrtime();
  WsConnectOptions o;
  o.url = config_.listenUrl();
  if (!config_.apiKey.empty()) o.headers.emplace_back("Authorization", "Token " + config_.apiKey);
  o.captureHeaders = {"dg-request-id", "dg-error"};
  o.connectTimeoutMs = config_.connectTimeoutMs;
  ws_->connect(std::move(o));
}

void DeepgramStt::pushAudio(std::span<const int16_t> samples) {
  if (state_ == State::Closing || state_ == State::Closed || state_ == State::Failed) return;
  unconfirmed_.insert(unconfirmed_.end(), samples.begin(), samples.end());
  pushTimes_.emplace_back(unconfirmedStart_ + unconfirmed_.size(), uv_hrtime());
  size_t maxSamples = static_cast<size_t>(config_.maxResendMs) * config_.sampleRate / 1000;
  if (unconfirmed_.size() > maxSamples) {
    size_t drop = unconfirmed_.size() - maxSamples;
    unconfirmed_.erase(unconfirmed_.begin(), unconfirmed_.begin() + static_cast<long>(drop));
    unconfirmedStart_ += drop;
    sentOnConnection_ -= std::min(sentOnConnection_, drop);
    droppedSamples_.inc(drop);
  }
  while (pushTimes_.size() > 4096) pushTimes_.pop_front();
  if (state_ == State::Open) sendPending(false);
}

void DeepgramStt::sendPending(bool all) {
  size_t frame = static_cast<size_t>(config_.sampleRate) * config_.frameMs / 1000;
  std::vector<uint8_t> bytes;
  while (sentOnConnection_ < unconfirmed_.size()) {
    size_t unsent = unconfirmed_.size() - sentOnConnection_;
    if (unsent < frame && !all) break;
    size_t n = std::min(unsent, frame);
    bytes.resize(n * 2);
    for (size_t i = 0; i < n; ++i) {  // linear16 = little-endian s16
      auto v = static_cast<uint16_t>(unconfirmed_[sentOnConnection_ + i]);
      bytes[2 * i] = static_cast<uint8_t>(v & 0xFF);
      bytes[2 * i + 1] = static_cast<uint8_t>(v >> 8);
    }
    if (!ws_->sendBinary(bytes)) break;  // queue bound: the rest goes after a reconnect
    sentOnConnection_ += n;
    lastSendNs_ = uv_hrtime();
  }
}

void DeepgramStt::finalize() {
  if (state_ == State::Open) {
    sendPending(true);
    ws_->sendText(R"({"type":"Finalize"})");
    lastSendNs_ = uv_hrtime();
  } else if (state_ == State::Connecting || state_ == State::Waiting) {
    finalizePending_ = true;
  }
}

void DeepgramStt::close() {
  if (closeRequested_) return;
  closeRequested_ = true;
  if (state_ == State::Idle || state_ == State::Failed) {
    state_ = State::Closed;
    listener_.onSttClosed();
    return;
  }
  if (state_ != State::Open) return;  // sent once (re)connected
  sendPending(true);
  ws_->sendText(R"({"type":"CloseStream"})");
  state_ = State::Closing;
  closeTimer_.start(config_.closeTimeoutMs);
}

void DeepgramStt::onKeepAliveTick() {
  if (state_ != State::Open) return;
  uint64_t now = uv_hrtime();
  if (now - lastSendNs_ < config_.keepAliveMs * 1'000'000) return;
  ws_->sendText(R"({"type":"KeepAlive"})");  // must be a text frame (docs/keep-alive)
  lastSendNs_ = now;
}

void DeepgramStt::onWsOpen(const HttpHeaders& headers) {
  state_ = State::Open;
  backoff_.reset();
  SttConnected info;
  info.requestId = std::string(findHeader(headers, "dg-request-id"));
  info.connectMs = static_cast<double>(uv_hrtime() - connectStartNs_) / 1e6;
  info.reconnects = reconnectCount_;
  connectSeconds_.observe(info.connectMs / 1000.0);
  sentOnConnection_ = 0;
  connectionOffsetS_ = static_cast<double>(unconfirmedStart_) / config_.sampleRate;
  if (reconnectCount_ > 0)
    log().info("reconnected; resending {} ms of audio",
               unconfirmed_.size() * 1000 / static_cast<size_t>(config_.sampleRate));
  bool flushAll = finalizePending_ || closeRequested_;
  sendPending(flushAll);
  lastSendNs_ = uv_hrtime();
  if (finalizePending_) {
    finalizePending_ = false;
    ws_->sendText(R"({"type":"Finalize"})");
  }
  if (closeRequested_) {
    ws_->sendText(R"({"type":"CloseStream"})");
    state_ = State::Closing;
    closeTimer_.start(config_.closeTimeoutMs);
  }
  listener_.onSttConnected(info);
}

void DeepgramStt::confirmUpTo(double connectionTimeS) {
  auto end = static_cast<uint64_t>(
      std::llround((connectionOffsetS_ + connectionTimeS) * config_.sampleRate));
  if (end <= unconfirmedStart_) return;
  size_t n = std::min<uint64_t>(end - unconfirmedStart_, unconfirmed_.size());
  unconfirmed_.erase(unconfirmed_.begin(), unconfirmed_.begin() + static_cast<long>(n));
  unconfirmedStart_ += n;
  sentOnConnection_ -= std::min(sentOnConnection_, n);
}

void DeepgramStt::onWsText(std::string_view text) {
  auto msg = DeepgramMessage::parse(text);
  if (!msg) {
    log().debug("unreadable STT message ({} bytes)", text.size());
    listener_.onSttError({.category = ErrorCategory::Server, .message = "malformed STT message"},
                         false);
    return;
  }
  const double off = connectionOffsetS_;
  switch (msg->type) {
    case DeepgramMessage::Type::Results: {
      SttTranscript& t = msg->result;
      double connEnd = t.startS + t.durationS;
      t.startS += off;
      for (auto& w : t.words) {
        w.startS += off;
        w.endS += off;
      }
      if (t.isFinal) {
        auto endSample = static_cast<uint64_t>(std::llround((off + connEnd) * config_.sampleRate));
        uint64_t now = uv_hrtime();
        for (const auto& [sample, ns] : pushTimes_) {
          if (sample >= endSample) {
            t.latencyMs = static_cast<double>(now - ns) / 1e6;
            finalLatencySeconds_.observe(t.latencyMs / 1000.0);
            break;
          }
        }
        while (!pushTimes_.empty() && pushTimes_.front().first <= endSample) pushTimes_.pop_front();
        confirmUpTo(connEnd);
      }
      if (!blank(t.text)) listener_.onSttTranscript(t);
      return;
    }
    case DeepgramMessage::Type::UtteranceEnd:
      listener_.onSttUtteranceEnd(msg->lastWordEnd + off);
      return;
    case DeepgramMessage::Type::SpeechStarted:
      listener_.onSttSpeechStarted(msg->timestamp + off);
      return;
    case DeepgramMessage::Type::Error:
      listener_.onSttError({.category = ErrorCategory::BadRequest,
                            .message = msg->errorVariant + ": " + msg->errorDescription},
                           false);
      return;
    case DeepgramMessage::Type::Metadata:
    case DeepgramMessage::Type::Unknown:
      return;
  }
}

void DeepgramStt::onWsClosed(const WsCloseInfo& info) {
  log().debug("socket closed: opened={} status={} code={} reason={}", info.opened, info.httpStatus,
              info.closeCode, info.reason);
  if (state_ == State::Closed || state_ == State::Failed) return;
  if (state_ == State::Closing) {
    state_ = State::Closed;
    closeTimer_.stop();
    keepAlive_.stop();
    listener_.onSttClosed();
    return;
  }
  ProviderError e;
  if (!info.opened) {
    if (info.httpStatus > 0) {
      std::string message(findHeader(info.headers, "dg-error"));
      e = errorForHttpStatus(info.httpStatus, message.empty() ? info.reason : message);
    } else {
      e.category = info.timedOut ? ErrorCategory::Timeout : ErrorCategory::Connectivity;
      e.retryable = true;
      e.message = info.reason;
    }
  } else {
    e.closeCode = info.closeCode;
    e.message = info.reason;
    if (info.reason.find("DATA-0000") != std::string::npos) {
      e.category = ErrorCategory::BadRequest;  // the audio could not be decoded: fix encoding
    } else {
      e.category = ErrorCategory::Connectivity;  // 1006 drop, 1011 NET-000x, unexpected 1000
      e.retryable = true;
    }
  }
  retryOrFail(std::move(e));
}

void DeepgramStt::retryOrFail(ProviderError error) {
  if (error.retryable) {
    if (auto delay = backoff_.next(error.retryAfterMs)) {
      state_ = State::Waiting;
      ++reconnectCount_;
      reconnects_.inc();
      log().warn("STT connection lost ({}: {}); reconnecting in {} ms",
                 categoryName(error.category), error.message, *delay);
      reconnectTimer_.start(*delay);
      listener_.onSttReconnecting(error, *delay);
      return;
    }
  }
  fail(std::move(error));
}

void DeepgramStt::fail(ProviderError error) {
  state_ = State::Failed;
  keepAlive_.stop();
  reconnectTimer_.stop();
  closeTimer_.stop();
  log().warn("STT failed: {} ({})", categoryName(error.category), error.message);
  listener_.onSttError(error, true);
}

}  // namespace parley::dialog
