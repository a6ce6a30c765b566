#include "dialog/tts/ElevenLabsTts.hpp"

#include <uv.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/Log.hpp"
#include "dialog/net/Url.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "dialog/tts/ElevenLabsMessage.hpp"

namespace parley::dialog {

namespace {
using nlohmann::json;
const core::Logger& log() {
  static const core::Logger l("tts");
  return l;
}
}  // namespace

ElevenLabsConfig ElevenLabsConfig::fromEnvironment() {
  ElevenLabsConfig c;
  if (const char* key = std::getenv("ELEVEN_API_KEY"); key && *key) c.apiKey = key;
  return c;
}

std::string ElevenLabsConfig::streamUrl() const {
  std::string u = url;
  if (auto p = u.find("{voice}"); p != std::string::npos) u.replace(p, 7, percentEncode(voiceId));
  std::vector<std::pair<std::string, std::string>> q = {
      {"model_id", modelId},
      {"output_format", outputFormat},
      {"inactivity_timeout", std::to_string(inactivityTimeoutS)}};
  if (!languageCode.empty()) q.emplace_back("language_code", languageCode);
  return u + (u.find('?') == std::string::npos ? "?" : "&") + buildQuery(q);
}

ElevenLabsTts::ElevenLabsTts(WsClientContext& context, ElevenLabsConfig config,
                             TtsListener& listener, core::MetricsRegistry& metrics)
    : context_(context),
      config_(std::move(config)),
      listener_(listener),
      keepAlive_(context.loop(),
                 [this] {
                   if (!ws_ || !ws_->isOpen() || turnActive_) return;
                   if (uv_hrtime() - lastSendNs_ < config_.keepAliveMs * 1'000'000) return;
                   ws_->sendText(R"({"text":" "})");  // keep-alive; "" would end the stream
                   lastSendNs_ = uv_hrtime();
                 }),
      ttfb_(metrics.histogram("parley_tts_ttfb_seconds",
                              "First text of a reply pushed → first audio received (seconds)",
                              core::latencyBucketsSeconds(), {{"provider", "elevenlabs"}})) {}

ElevenLabsTts::~ElevenLabsTts() {
  *alive_ = false;
}

int ElevenLabsTts::audioSampleRate() const {
  if (config_.outputFormat == "pcm_24000") return 24000;
  if (config_.outputFormat == "ulaw_8000" || config_.outputFormat == "pcm_8000") return 8000;
  if (config_.outputFormat == "pcm_22050") return 22050;
  if (config_.outputFormat == "pcm_44100") return 44100;
  return 16000;
}

TtsEncoding ElevenLabsTts::encoding() const {
  return config_.outputFormat.starts_with("ulaw") ? TtsEncoding::Ulaw : TtsEncoding::Pcm16;
}

std::string ElevenLabsTts::initMessage() const {
  json init{{"text", " "},
            {"voice_settings",
             {{"stability", config_.stability},
              {"similarity_boost", config_.similarityBoost},
              {"speed", config_.speed}}},
            {"generation_config", {{"chunk_length_schedule", config_.chunkLengthSchedule}}}};
  return init.dump();
}

void ElevenLabsTts::start() {
  if (started_) return;
  started_ = true;
  open();
  keepAlive_.start(1000, 1000);
}

void ElevenLabsTts::open() {
  ws_ = std::make_unique<WsConnection>(context_, static_cast<WsListener&>(*this));
  WsConnectOptions o;
  o.url = config_.streamUrl();
  if (!config_.apiKey.empty()) o.headers.emplace_back("xi-api-key", config_.apiKey);
  o.connectTimeoutMs = config_.connectTimeoutMs;
  o.maxMessageBytes = ElevenLabsMessage::kMaxBytes;
  ws_->connect(std::move(o));
  ws_->sendText(initMessage());  // queued; goes out right after the handshake
  lastSendNs_ = uv_hrtime();
  turnActive_ = flushed_ = gotAudio_ = false;
  audioMs_ = 0;
  hasPendingWord_ = false;
}

void ElevenLabsTts::pushText(std::string_view text) {
  if (!started_) start();
  if (flushed_) open();  // a reply is still finishing: start the next on a fresh socket
  if (!turnActive_) {
    turnActive_ = true;
    turnStartNs_ = uv_hrtime();
  }
  std::string t(text);
  if (t.empty()) return;                  // "" would end the input
  if (t.back() != ' ') t.push_back(' ');  // "should always end with a single space"
  ws_->sendText(json{{"text", t}, {"try_trigger_generation", true}}.dump(
      -1, ' ', false, json::error_handler_t::replace));
  lastSendNs_ = uv_hrtime();
}

void ElevenLabsTts::flush() {
  if (!turnActive_ || flushed_) return;
  flushed_ = true;
  ws_->sendText(R"({"text":""})");  // end of input: the server flushes, sends isFinal, closes
}

void ElevenLabsTts::cancel() {
  if (!started_) return;
  open();  // drops the old socket silently; the next reply gets a fresh one
}

void ElevenLabsTts::emitPendingWord() {
  if (!hasPendingWord_) return;
  words_.push_back(pendingWord_);
  hasPendingWord_ = false;
}

void ElevenLabsTts::addAlignment(const ElevenLabsAlignment& a) {
  for (size_t i = 0; i < a.chars.size(); ++i) {
    const std::string& c = a.chars[i];
    double start = audioMs_ + a.startMs[i];
    double end = start + a.durationMs[i];
    if (c == " " || c == "\n") {
      emitPendingWord();
      continue;
    }
    if (!hasPendingWord_) {
      pendingWord_ = {c, start, end};
      hasPendingWord_ = true;
    } else {
      pendingWord_.word += c;
      pendingWord_.endMs = end;
    }
  }
}

void ElevenLabsTts::onWsText(std::string_view text) {
  auto msg = ElevenLabsMessage::parse(text);
  if (!msg) {
    listener_.onTtsError({.category = ErrorCategory::Server, .message = "malformed TTS message"});
    return;
  }
  if (msg->error) {
    bool quota = msg->error->find("quota") != std::string::npos;
    fail({.category = quota ? ErrorCategory::RateLimit : ErrorCategory::Server,
          .retryable = !quota,
          .message = *msg->error});
    return;
  }
  auto alive = alive_;
  words_.clear();
  if (msg->alignment) addAlignment(*msg->alignment);
  if (!msg->audio.empty()) {
    double ttfb = 0;
    if (!gotAudio_) {
      gotAudio_ = true;
      ttfb = static_cast<double>(uv_hrtime() - turnStartNs_) / 1e6;
      ttfb_.observe(ttfb / 1000.0);
    }
    size_t samples = encoding() == TtsEncoding::Ulaw ? msg->audio.size() : msg->audio.size() / 2;
    audioMs_ += static_cast<double>(samples) * 1000.0 / audioSampleRate();
    listener_.onTtsAudio(msg->audio, ttfb);
    if (!*alive) return;
  }
  if (msg->isFinal) emitPendingWord();
  if (!words_.empty()) {
    listener_.onTtsWords(words_);
    if (!*alive) return;
  }
  if (msg->isFinal && turnActive_) {
    turnActive_ = false;
    open();  // pre-open the socket for the next reply
    listener_.onTtsDone();
  }
}

void ElevenLabsTts::onWsClosed(const WsCloseInfo& info) {
  if (!info.opened && info.httpStatus > 0)
    return fail(errorForHttpStatus(info.httpStatus, info.reason));
  if (!turnActive_) {
    // Idle socket closed (inactivity, server restart): quietly open the next one — but not in
    // a tight loop if the server keeps refusing.
    if (info.opened) {
      open();
    } else {
      fail({.category = info.timedOut ? ErrorCategory::Timeout : ErrorCategory::Connectivity,
            .retryable = true,
            .message = info.reason});
    }
    return;
  }
  ProviderError e{
      .category = ErrorCategory::Connectivity, .retryable = true, .message = info.reason};
  e.closeCode = info.closeCode;
  if (info.closeCode == 1008) e.category = ErrorCategory::BadRequest;  // policy violation
  fail(std::move(e));
}

void ElevenLabsTts::fail(ProviderError e) {
  log().warn("TTS failed: {} ({})", categoryName(e.category), e.message);
  turnActive_ = false;
  ws_.reset();
  started_ = false;  // the next pushText reconnects
  listener_.onTtsError(e);
}

}  // namespace parley::dialog
