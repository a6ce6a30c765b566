#include "dialog/local/tts/LocalTtsService.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "core/Log.hpp"
#include "core/Timer.hpp"
#include "dialog/local/tts/Synthesizer.hpp"
#include "media/Resampler.hpp"

namespace parley::dialog::local {
namespace {

using json = nlohmann::json;

/// ElevenLabs' default and maximum inactivity_timeout, s (elevenlabs-ws.md §1.2).
constexpr int kDefaultInactivityS = 20;
constexpr int kMaxInactivityS = 180;
/// Text buffered without a sentence end before it is spoken anyway: ElevenLabs' largest
/// chunk_length_schedule entry is 500 characters.
constexpr size_t kMaxBufferedChars = 500;

core::Logger& log() {
  static core::Logger l("local-tts");
  return l;
}

std::string base64(const uint8_t* p, size_t n) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = static_cast<uint32_t>(p[i]) << 16;
    if (i + 1 < n) v |= static_cast<uint32_t>(p[i + 1]) << 8;
    if (i + 2 < n) v |= p[i + 2];
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < n ? k[(v >> 6) & 63] : '=';
    out += i + 2 < n ? k[v & 63] : '=';
  }
  return out;
}

/// G.711 µ-law of one linear sample (ITU-T G.711, the classic Sun reference algorithm).
uint8_t linearToUlaw(int16_t pcm) {
  constexpr int kBias = 0x84;
  constexpr int kClip = 32635;
  int s = pcm;
  int sign = 0;
  if (s < 0) {
    s = -s;
    sign = 0x80;
  }
  if (s > kClip) s = kClip;
  s += kBias;
  int exponent = 7;
  for (int mask = 0x4000; (s & mask) == 0 && exponent > 0; --exponent, mask >>= 1) {
  }
  int mantissa = (s >> (exponent + 3)) & 0x0F;
  return static_cast<uint8_t>(~(sign | (exponent << 4) | mantissa));
}

/// Index just past the last sentence end in `text` ('.', '!', '?', ';' followed by a space), or 0.
size_t sentenceCut(const std::string& text) {
  for (size_t i = text.size(); i-- > 1;)
    if (text[i] == ' ' &&
        (text[i - 1] == '.' || text[i - 1] == '!' || text[i - 1] == '?' || text[i - 1] == ';'))
      return i + 1;
  return 0;
}

struct Format {
  int rate = 16000;
  bool ulaw = false;
};
std::optional<Format> parseFormat(const std::string& f) {
  if (f == "pcm_16000") return Format{16000, false};
  if (f == "pcm_22050") return Format{22050, false};
  if (f == "pcm_24000") return Format{24000, false};
  if (f == "ulaw_8000") return Format{8000, true};
  return std::nullopt;
}

}  // namespace

struct LocalTtsService::Shared {
  std::map<std::string, std::unique_ptr<Synthesizer>> engines;  ///< by voice key, made lazily
  int active = 0;
  Synthesizer* engine(const std::string& key) {
    auto it = engines.find(key);
    if (it != engines.end()) return it->second.get();
    std::unique_ptr<Synthesizer> s;
    if (key.rfind("espeak-", 0) == 0)
      s = makeEspeak(key.substr(7));
    else
      s = makeFlite(key);
    return (engines[key] = std::move(s)).get();
  }
};

namespace {

class TtsSession final : public WsSession {
 public:
  TtsSession(uv_loop_t* loop, WsPeer& peer, std::shared_ptr<LocalTtsService::Shared> shared,
             Synthesizer& engine, Format format, int inactivityS)
      : peer_(peer),
        shared_(std::move(shared)),
        engine_(engine),
        format_(format),
        inactivityS_(inactivityS),
        idle_(loop, [this] { onIdle(); }) {
    ++shared_->active;
    if (engine_.nativeRate() != format_.rate)
      resampler_ = std::make_unique<media::Resampler>(engine_.nativeRate(), format_.rate);
    idle_.start(static_cast<uint64_t>(inactivityS_) * 1000);
  }
  ~TtsSession() override { --shared_->active; }

  void onText(std::string_view text) override {
    if (ended_) return;
    json m = json::parse(text, nullptr, false);
    if (m.is_discarded() || !m.is_object() || (m.contains("text") && !m["text"].is_string())) {
      peer_.sendText(json{{"error", "invalid_message"},
                          {"message", "Expected a JSON object with a string 'text'."}}
                         .dump());
      peer_.close(1008, "invalid message");
      ended_ = true;
      return;
    }
    idle_.start(static_cast<uint64_t>(inactivityS_) * 1000);
    if (!m.contains("text")) {
      if (m.value("flush", false)) speak(true);
      return;
    }
    std::string t = m["text"].get<std::string>();
    if (!initialised_) {
      // The first message initialises the stream; its text must be a single space.
      initialised_ = true;
      if (t == " ") return;
    }
    if (t.empty()) {  // end of input
      speak(true);
      peer_.sendText(R"({"isFinal":true})");
      peer_.close(1000, "");
      ended_ = true;
      idle_.stop();
      return;
    }
    if (t == " " && buffer_.empty()) return;  // keep-alive
    buffer_ += t;
    speak(m.value("flush", false) || buffer_.size() > kMaxBufferedChars);
  }
  void onBinary(std::span<const uint8_t>) override {
    peer_.sendText(json{{"error", "invalid_message"},
                        {"message", "This endpoint takes JSON text messages only."}}
                       .dump());
    peer_.close(1008, "binary messages are not accepted");
    ended_ = true;
  }

 private:
  void onIdle() {
    if (ended_) return;
    ended_ = true;
    peer_.close(1008, "Have not received a new text input within the timeout of " +
                          std::to_string(inactivityS_) + " seconds.");
  }
  /// Speaks the complete sentences of the buffer, or all of it when `all`.
  void speak(bool all) {
    size_t cut = all ? buffer_.size() : sentenceCut(buffer_);
    if (cut == 0) return;
    std::string text = buffer_.substr(0, cut);
    buffer_.erase(0, cut);
    // Trim, keeping the original text for alignment.
    size_t b = text.find_first_not_of(' ');
    if (b == std::string::npos) return;
    text = text.substr(b);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    SynthAudio a = engine_.synthesize(text);
    if (a.samples.empty()) return;
    std::vector<int16_t> pcm;
    if (resampler_) {
      pcm.resize(resampler_->maxOutput(a.samples.size()));
      pcm.resize(resampler_->process(a.samples, pcm));
    } else {
      pcm = std::move(a.samples);
    }
    std::vector<uint8_t> bytes;
    if (format_.ulaw) {
      bytes.reserve(pcm.size());
      for (int16_t s : pcm) bytes.push_back(linearToUlaw(s));
    } else {
      bytes.resize(pcm.size() * 2);
      for (size_t i = 0; i < pcm.size(); ++i) {
        auto u = static_cast<uint16_t>(pcm[i]);
        bytes[2 * i] = static_cast<uint8_t>(u & 0xFF);
        bytes[2 * i + 1] = static_cast<uint8_t>(u >> 8);
      }
    }
    double totalMs = 1000.0 * static_cast<double>(pcm.size()) / format_.rate;
    json alignment = align(text, a.words, totalMs);
    peer_.sendText(json{
        {"audio", base64(bytes.data(), bytes.size())},
        {"isFinal", false},
        {"normalizedAlignment", alignment},
        {"alignment",
         alignment}}.dump());
  }
  /// Character timings from word timings: a word's characters share its time evenly; the
  /// characters between words share the gap (ElevenLabs' chars/charStartTimesMs/charDurationsMs).
  static json align(const std::string& text, const std::vector<SynthWord>& words, double totalMs) {
    std::vector<double> start(text.size(), -1), dur(text.size(), 0);
    for (const auto& w : words) {
      if (w.textOffset + w.textLength > text.size() || w.textLength == 0) continue;
      double per = (w.endMs - w.startMs) / static_cast<double>(w.textLength);
      for (size_t k = 0; k < w.textLength; ++k) {
        start[w.textOffset + k] = w.startMs + per * static_cast<double>(k);
        dur[w.textOffset + k] = per;
      }
    }
    // Fill gaps (spaces, punctuation) from the previous character's end to the next start.
    double prevEnd = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (start[i] >= 0) {
        prevEnd = start[i] + dur[i];
        continue;
      }
      size_t j = i;
      while (j < text.size() && start[j] < 0) ++j;
      double nextStart = j < text.size() ? start[j] : totalMs;
      double per = std::max(0.0, nextStart - prevEnd) / static_cast<double>(j - i);
      for (size_t k = i; k < j; ++k) {
        start[k] = prevEnd + per * static_cast<double>(k - i);
        dur[k] = per;
      }
      prevEnd = nextStart;
      i = j - 1;
    }
    json chars = json::array(), starts = json::array(), durs = json::array();
    for (size_t i = 0; i < text.size(); ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      if ((c & 0xC0) == 0x80) continue;  // continuation byte: part of the previous character
      size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      chars.push_back(text.substr(i, len));
      starts.push_back(static_cast<int>(start[i] + 0.5));
      durs.push_back(std::max(0, static_cast<int>(dur[i] + 0.5)));
    }
    return {{"chars", chars}, {"charStartTimesMs", starts}, {"charDurationsMs", durs}};
  }

  WsPeer& peer_;  ///< back-reference; valid until the server destroys this session
  std::shared_ptr<LocalTtsService::Shared> shared_;
  Synthesizer& engine_;
  Format format_;
  int inactivityS_;
  core::Timer idle_;
  std::unique_ptr<media::Resampler> resampler_;
  std::string buffer_;
  bool initialised_ = false;
  bool ended_ = false;
};

}  // namespace

LocalTtsService::LocalTtsService(uv_loop_t* loop, LocalTtsOptions options)
    : loop_(loop), options_(std::move(options)), shared_(std::make_shared<Shared>()) {}

LocalTtsService::~LocalTtsService() = default;

int LocalTtsService::activeSessions() const {
  return shared_->active;
}

std::optional<LocalReject> LocalTtsService::checkUpgrade(const LocalRequest& req) {
  // Parameter errors are refused before the upgrade (400 with the reason in the body).
  auto r = validate(req);
  if (auto* reject = std::get_if<LocalReject>(&r)) return *reject;
  return std::nullopt;
}

std::variant<LocalTtsService::Route, LocalReject> LocalTtsService::validate(
    const LocalRequest& req) const {
  // /v1/text-to-speech/{voice_id}/stream-input
  const std::string prefix = "/v1/text-to-speech/";
  const std::string suffix = "/stream-input";
  const std::string& p = req.path;
  if (p.rfind(prefix, 0) != 0 || p.size() <= prefix.size() + suffix.size() ||
      p.compare(p.size() - suffix.size(), suffix.size(), suffix) != 0)
    return LocalReject{404, {}, "no TTS endpoint at " + p};
  std::string voice = p.substr(prefix.size(), p.size() - prefix.size() - suffix.size());
  auto format = parseFormat(req.arg("output_format").value_or("pcm_16000"));
  if (!format)
    return LocalReject{
        400, {}, "output_format must be pcm_16000, pcm_22050, pcm_24000 or ulaw_8000"};
  std::string lang = req.arg("language_code").value_or("");
  std::string key;
  if (voice.rfind("espeak-", 0) == 0)
    key = voice;
  else if (!lang.empty() && lang.rfind("en", 0) != 0)
    key = "espeak-" + lang;
  else if (isFliteVoice(voice))
    key = voice;
  else
    key = options_.defaultVoice;
  int inactivity = kDefaultInactivityS;
  if (auto t = req.arg("inactivity_timeout")) {
    inactivity = std::atoi(t->c_str());
    if (inactivity <= 0 || inactivity > kMaxInactivityS)
      return LocalReject{400, {}, "inactivity_timeout must be 1-180 seconds"};
  }
  return Route{key, format->rate, format->ulaw, inactivity, voice};
}

std::variant<std::unique_ptr<WsSession>, LocalReject> LocalTtsService::onUpgrade(
    const LocalRequest& req, WsPeer& peer) {
  auto r = validate(req);
  if (auto* reject = std::get_if<LocalReject>(&r)) return *reject;
  auto route = std::get<Route>(r);
  if (shared_->active >= options_.maxSessions)
    return LocalReject{503,
                       {},
                       "local TTS is at capacity (" + std::to_string(options_.maxSessions) +
                           " streams); try again shortly"};
  Synthesizer* engine = nullptr;
  try {
    engine = shared_->engine(route.key);
  } catch (const std::exception& e) {
    return LocalReject{400, {}, e.what()};
  }
  log().debug("tts stream: voice {} → {}, {} Hz{}", route.voice, engine->name(), route.rate,
              route.ulaw ? " ulaw" : "");
  return std::make_unique<TtsSession>(loop_, peer, shared_, *engine, Format{route.rate, route.ulaw},
                                      route.inactivityS);
}

}  // namespace parley::dialog::local
