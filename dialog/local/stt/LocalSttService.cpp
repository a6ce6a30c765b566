#include "dialog/local/stt/LocalSttService.hpp"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "core/Log.hpp"
#include "core/Timer.hpp"
#include "media/Resampler.hpp"

namespace parley::dialog::local {
namespace {

using json = nlohmann::json;

core::Logger& log() {
  static core::Logger l("local-stt");
  return l;
}

/// Keywords and keyterms accepted per stream (Deepgram documents 100 keyterms; each one here
/// adds corpus sentences to the stream's own model).
constexpr size_t kMaxKeywords = 100;

/// Extra wait after the idle timeout, so audio queued behind a busy loop is read first.
constexpr uint64_t kIdleGraceMs = 250;

/// Query parameters Deepgram's SDK sends (deepgram-live.md §2); accepted, most ignored here.
const std::set<std::string>& knownParams() {
  static const std::set<std::string> k = {"callback",         "callback_method",
                                          "channels",         "detect_entities",
                                          "diarize",          "diarize_model",
                                          "dictation",        "encoding",
                                          "endpointing",      "extra",
                                          "interim_results",  "keyterm",
                                          "keywords",         "language",
                                          "mip_opt_out",      "model",
                                          "multichannel",     "numerals",
                                          "profanity_filter", "punctuate",
                                          "redact",           "replace",
                                          "sample_rate",      "search",
                                          "smart_format",     "tag",
                                          "utterance_end_ms", "vad_events",
                                          "version"};
  return k;
}

bool truthy(const std::optional<std::string>& v) {
  return v && (*v == "true" || *v == "1");
}

struct StreamParams {
  int sampleRate = 16000;
  bool interim = false;
  int endpointingMs = 10;  ///< Deepgram's default; < 0 = disabled
  int utteranceEndMs = 0;
  bool vadEvents = false;
  std::vector<DomainKeyword> keywords;
};

std::variant<StreamParams, std::string> parseParams(const LocalRequest& req) {
  StreamParams p;
  for (const auto& [k, v] : req.args)
    if (!knownParams().count(k)) return "unknown parameter '" + k + "'";
  if (auto e = req.arg("encoding"); e && *e != "linear16")
    return "DATA-0000: encoding '" + *e + "' is not supported here (linear16 only)";
  if (auto c = req.arg("channels"); c && *c != "1") return "DATA-0000: only channels=1";
  if (auto r = req.arg("sample_rate")) {
    p.sampleRate = std::atoi(r->c_str());
    if (p.sampleRate != 8000 && p.sampleRate != 16000)
      return "DATA-0000: sample_rate must be 8000 or 16000";
  }
  p.interim = truthy(req.arg("interim_results"));
  if (auto e = req.arg("endpointing")) {
    if (*e == "false")
      p.endpointingMs = -1;
    else if (*e == "true")
      p.endpointingMs = 10;
    else {
      p.endpointingMs = std::atoi(e->c_str());
      if (p.endpointingMs < 0 || p.endpointingMs > 60'000) return "endpointing must be 0-60000 ms";
    }
  }
  if (auto u = req.arg("utterance_end_ms")) {
    p.utteranceEndMs = std::atoi(u->c_str());
    if (p.utteranceEndMs < 0 || p.utteranceEndMs > 60'000)
      return "utterance_end_ms must be 0-60000";
  }
  p.vadEvents = truthy(req.arg("vad_events"));
  // keywords=<word>[:<boost>] (Nova-2 keyword boosting) and keyterm=<phrase> (Nova-3).
  for (const auto& [k, v] : req.args) {
    if (k != "keywords" && k != "keyterm") continue;
    DomainKeyword kw;
    kw.phrase = v;
    size_t colon = v.rfind(':');
    if (k == "keywords" && colon != std::string::npos) {
      kw.phrase = v.substr(0, colon);
      std::string b = v.substr(colon + 1);
      char* end = nullptr;
      kw.boost = std::strtod(b.c_str(), &end);
      if (b.empty() || *end != '\0' || !std::isfinite(kw.boost))
        return "DATA-0000: keyword boost '" + b + "' is not a number (keywords=word:boost)";
    }
    if (spokenWords(kw.phrase).empty())
      return "DATA-0000: " + k + " '" + kw.phrase + "' has no letters";
    p.keywords.push_back(std::move(kw));
  }
  if (p.keywords.size() > kMaxKeywords)
    return "DATA-0000: at most " + std::to_string(kMaxKeywords) + " keywords per stream";
  return p;
}

std::string requestId() {
  static uint64_t n = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "local-%08llx", static_cast<unsigned long long>(++n));
  return buf;
}

class SttSession final : public WsSession {
 public:
  SttSession(uv_loop_t* loop, WsPeer& peer, std::shared_ptr<SphinxPool> pool,
             std::unique_ptr<SphinxDecoder> decoder, StreamParams params, bool pooled)
      : peer_(peer),
        pool_(std::move(pool)),
        decoder_(std::move(decoder)),
        params_(std::move(params)),
        pooled_(pooled),
        idle_(loop, [this] { onIdle(); }),
        requestId_(requestId()) {
    if (params_.sampleRate != 16000)
      up_ = std::make_unique<media::Resampler>(params_.sampleRate, 16000);
    decoder_->reset(params_.sampleRate);  // the cepstral means primed for this band
    decoder_->start();
    restartIdle();
  }
  ~SttSession() override {
    if (pooled_)
      pool_->release(std::move(decoder_));
    else
      pool_->releaseSlotOnly();
  }

  void onBinary(std::span<const uint8_t> bytes) override {
    if (closed_) return;
    restartIdle();
    if (bytes.empty()) return;
    // Little-endian s16; an odd trailing byte waits for the next frame.
    carry_.insert(carry_.end(), bytes.begin(), bytes.end());
    size_t n = carry_.size() / 2;
    samples_.resize(n);
    for (size_t i = 0; i < n; ++i)
      samples_[i] = static_cast<int16_t>(carry_[2 * i] | (carry_[2 * i + 1] << 8));
    carry_.erase(carry_.begin(), carry_.begin() + static_cast<long>(2 * n));
    std::span<const int16_t> pcm = samples_;
    if (up_) {
      resampled_.resize(up_->maxOutput(samples_.size()));
      resampled_.resize(up_->process(samples_, resampled_));
      pcm = resampled_;
    }
    // Decode in 20 ms steps so voice activity is followed closely.
    constexpr size_t kStep = 320;
    for (size_t off = 0; off < pcm.size(); off += kStep) {
      auto part = pcm.subspan(off, std::min(kStep, pcm.size() - off));
      decoder_->process(part);
      streamSamples_ += part.size();
      track();
    }
  }

  void onText(std::string_view text) override {
    if (closed_) return;
    restartIdle();
    json m = json::parse(text, nullptr, false);
    std::string type = m.is_object() ? m.value("type", std::string()) : std::string();
    if (type == "KeepAlive") return;
    if (type == "Finalize") {
      finalize(false, true);
      return;
    }
    if (type == "CloseStream") {
      finalize(false, false);
      json meta = {{"type", "Metadata"},
                   {"transaction_key", "deprecated"},
                   {"request_id", requestId_},
                   {"sha256", ""},
                   {"created", ""},
                   {"duration", nowS()},
                   {"channels", 1},
                   {"models", json::array({"parley-local-pocketsphinx"})}};
      peer_.sendText(meta.dump());
      peer_.close(1000, "");
      closed_ = true;
      idle_.stop();
      return;
    }
    json err = {
        {"type", "Error"},
        {"variant", "SchemaError"},
        {"description", "Expected a JSON message of type KeepAlive, Finalize or CloseStream."},
        {"message", std::string(text.substr(0, 200))}};
    peer_.sendText(err.dump());
  }

 private:
  double nowS() const { return static_cast<double>(streamSamples_) / 16000.0; }

  void restartIdle() {
    idleGraceUsed_ = false;
    idle_.start(kIdleTimeoutMs);
  }

  void onIdle() {
    if (closed_) return;
    // libuv runs due timers before it reads sockets: after this thread was busy decoding (a
    // loaded host), the timer fires although audio is waiting to be read. One more short wait
    // lets that audio in (it restarts the timer) before the stream is called idle.
    if (!idleGraceUsed_) {
      idleGraceUsed_ = true;
      idle_.start(kIdleGraceMs);
      return;
    }
    closed_ = true;
    peer_.close(1011,
                "NET-0001: Deepgram did not receive audio data or a text message within the "
                "timeout window.");
  }

  /// Follows voice activity after each step: SpeechStarted, interim results, endpointing,
  /// UtteranceEnd.
  void track() {
    bool speech = decoder_->inSpeech();
    double t = nowS();
    if (speech && !inSpeech_) {
      inSpeech_ = true;
      heardSpeech_ = true;
      silenceSinceS_ = -1;
      utteranceEndSent_ = false;
      if (params_.vadEvents)
        peer_.sendText(
            json{{"type", "SpeechStarted"}, {"channel", {0, 1}}, {"timestamp", t}}.dump());
      lastInterimS_ = t;
    }
    if (!speech && inSpeech_) {
      inSpeech_ = false;
      silenceSinceS_ = t;
    }
    if (inSpeech_ && params_.interim && (t - lastInterimS_) * 1000 >= kInterimEveryMs) {
      lastInterimS_ = t;
      auto h = decoder_->partial();
      if (!h.text.empty() && h.text != lastInterim_) {
        lastInterim_ = h.text;
        sendResults(h, false, false, false);
      }
    }
    if (!inSpeech_ && heardSpeech_ && params_.endpointingMs >= 0 && silenceSinceS_ >= 0 &&
        (t - silenceSinceS_) * 1000 >= params_.endpointingMs)
      finalize(true, false);
    if (params_.utteranceEndMs > 0 && params_.interim && !utteranceEndSent_ && lastWordEndS_ > 0 &&
        !inSpeech_ && (t - lastWordEndS_) * 1000 >= params_.utteranceEndMs) {
      utteranceEndSent_ = true;
      peer_.sendText(
          json{{"type", "UtteranceEnd"}, {"channel", {0, 1}}, {"last_word_end", lastWordEndS_}}
              .dump());
    }
  }

  /// Ends the running utterance: a final result (speech_final on an endpoint, from_finalize on
  /// request), then a new utterance starts at the current stream time.
  void finalize(bool speechFinal, bool fromFinalize) {
    auto h = decoder_->finish();
    double start = utteranceStartS_;
    for (auto& w : h.words) {
      w.startS += start;
      w.endS += start;
    }
    if (!h.words.empty()) lastWordEndS_ = h.words.back().endS;
    if (!h.text.empty() || fromFinalize)
      sendResults(h, true, speechFinal && !h.text.empty(), fromFinalize);
    heardSpeech_ = false;
    inSpeech_ = false;
    silenceSinceS_ = -1;
    lastInterim_.clear();
    utteranceStartS_ = nowS();
    decoder_->start();
  }

  void sendResults(const SphinxHypothesis& h, bool isFinal, bool speechFinal, bool fromFinalize) {
    json words = json::array();
    for (const auto& w : h.words)
      words.push_back({{"word", w.word},
                       {"start", w.startS},
                       {"end", w.endS},
                       {"confidence", w.confidence},
                       {"punctuated_word", w.word}});
    double start = utteranceStartS_;
    json r = {
        {"type", "Results"},
        {"channel_index", {0, 1}},
        {"duration", std::max(0.0, nowS() - start)},
        {"start", start},
        {"is_final", isFinal},
        {"speech_final", speechFinal},
        {"channel",
         {{"alternatives",
           json::array(
               {{{"transcript", h.text}, {"confidence", h.confidence}, {"words", words}}})}}},
        {"metadata",
         {{"request_id", requestId_},
          {"model_uuid", "parley-local"},
          {"model_info",
           {{"name", "pocketsphinx-en-us"}, {"version", "5prealpha"}, {"arch", "pocketsphinx"}}}}}};
    if (fromFinalize) r["from_finalize"] = true;
    peer_.sendText(r.dump());
  }

  WsPeer& peer_;  ///< back-reference; valid until the server destroys this session
  std::shared_ptr<SphinxPool> pool_;
  std::unique_ptr<SphinxDecoder> decoder_;
  StreamParams params_;
  bool pooled_;
  core::Timer idle_;
  std::string requestId_;
  std::unique_ptr<media::Resampler> up_;
  std::vector<uint8_t> carry_;
  std::vector<int16_t> samples_, resampled_;
  uint64_t streamSamples_ = 0;  ///< 16 kHz samples decoded so far
  double utteranceStartS_ = 0;
  bool inSpeech_ = false;
  bool heardSpeech_ = false;
  double silenceSinceS_ = -1;
  double lastInterimS_ = 0;
  std::string lastInterim_;
  double lastWordEndS_ = 0;
  bool utteranceEndSent_ = false;
  bool closed_ = false;
  bool idleGraceUsed_ = false;  ///< the idle timer already waited kIdleGraceMs more
};

}  // namespace

LocalSttService::LocalSttService(uv_loop_t* loop, LocalSttOptions options)
    : loop_(loop),
      options_(std::move(options)),
      pool_(std::make_shared<SphinxPool>(options_.model, options_.maxStreams)) {
  if (options_.warmDecoders) pool_->warm(options_.warmDecoders);
}

LocalSttService::~LocalSttService() = default;

std::string LocalSttService::capacityMessage() const {
  return "local STT is at capacity (" + std::to_string(pool_->capacity()) +
         " streams); try again later";
}

std::optional<LocalReject> LocalSttService::checkUpgrade(const LocalRequest& req) {
  std::string why;
  if (req.path != "/v1/listen") {
    why = "no STT endpoint at " + req.path;
    return LocalReject{404, {{"dg-error", why}}, why};
  }
  auto parsed = parseParams(req);
  if (auto* w = std::get_if<std::string>(&parsed)) return LocalReject{400, {{"dg-error", *w}}, *w};
  // Over capacity: refused at the handshake with 429, as Deepgram refuses streams beyond an
  // account's concurrency limit; clients back off and retry. (A stream that slips past this
  // check is closed after the upgrade instead, in onUpgrade.)
  if (pool_->inUse() >= pool_->capacity()) {
    why = capacityMessage();
    return LocalReject{429, {{"dg-error", why}}, why};
  }
  return std::nullopt;
}

std::variant<std::unique_ptr<WsSession>, LocalReject> LocalSttService::onUpgrade(
    const LocalRequest& req, WsPeer& peer) {
  if (req.path != "/v1/listen") return LocalReject{404, {}, "no STT endpoint at " + req.path};
  auto parsed = parseParams(req);
  if (auto* why = std::get_if<std::string>(&parsed)) return LocalReject{400, {}, *why};
  auto params = std::get<StreamParams>(std::move(parsed));
  std::unique_ptr<SphinxDecoder> decoder;
  // Keywords the server's own domain model already holds in booking contexts (the worker
  // passes its tenant's staff and services) need no decoder of their own.
  bool pooled = false;
  try {
    pooled = pool_->covers(params.keywords);  // may build the vocabulary (cancellable)
    if (pooled) {
      decoder = pool_->acquire();
    } else {
      decoder = pool_->acquireWithKeywords(params.keywords);
    }
  } catch (const std::invalid_argument& e) {
    return LocalReject{400, {{"dg-error", e.what()}}, std::string("DATA-0000: ") + e.what()};
  } catch (const std::exception& e) {
    log().warn("cannot start a decoder: {}", e.what());
    return LocalReject{500, {}, std::string("local STT could not start a decoder: ") + e.what()};
  }
  if (!decoder) return LocalReject{503, {}, capacityMessage()};
  return std::make_unique<SttSession>(loop_, peer, pool_, std::move(decoder), std::move(params),
                                      pooled);
}

}  // namespace parley::dialog::local
