// Round trips through the local speech servers with the real issue-5 clients: text → local TTS
// (ElevenLabsTts) → audio → local STT (DeepgramStt) → transcript. Audio stays short (pocketsphinx
// and flite are CPU work on a shared machine).
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "dialog/local/LocalProviders.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "dialog/net/WsConnection.hpp"
#include "dialog/stt/DeepgramStt.hpp"
#include "dialog/tts/ElevenLabsTts.hpp"
#include "media/Resampler.hpp"
#include "tests/dialog/TestLoop.hpp"
#include "tests/dialog/local/SttRecorder.hpp"
#include "tests/tools/TestSupport.hpp"

using namespace parley;
using namespace parley::dialog;
using namespace parley::dialog::local;
using nlohmann::json;
using parley::dialog::local::test::SttRec;

namespace {

struct TtsRec : TtsListener {
  std::vector<uint8_t> audio;
  std::vector<TtsWordTiming> words;
  int done = 0;
  std::optional<ProviderError> error;
  void onTtsAudio(std::span<const uint8_t> b, double) override {
    audio.insert(audio.end(), b.begin(), b.end());
  }
  void onTtsWords(const std::vector<TtsWordTiming>& w) override {
    words.insert(words.end(), w.begin(), w.end());
  }
  void onTtsDone() override { ++done; }
  void onTtsError(const ProviderError& e) override { error = e; }
};

/// A raw websocket client for protocol error cases.
struct RawWs : WsListener {
  bool open = false;
  std::optional<WsCloseInfo> closed;
  std::vector<std::string> texts;
  void onWsOpen(const HttpHeaders&) override { open = true; }
  void onWsText(std::string_view t) override { texts.emplace_back(t); }
  void onWsBinary(std::span<const uint8_t>) override {}
  void onWsClosed(const WsCloseInfo& i) override { closed = i; }
};

/// Connect deadline of the clients: the machine is shared and pocketsphinx/flite are CPU work,
/// so the clients' 5 s production default is too tight for a loaded CI host.
constexpr uint64_t kConnectMs = 30'000;

LocalProvidersConfig config(size_t sttStreams) {
  LocalProvidersConfig c;
  c.llm = false;
  c.tenants = {tools::test::demoTenant()};
  c.sttOptions.maxStreams = sttStreams;
  c.sttOptions.warmDecoders = 1;  // loaded at start: no handshake waits for a model load
  return c;
}

struct SpeechFixture {
  LocalProviders providers;
  dialog::test::TestLoop loop;
  core::MetricsRegistry metrics;
  std::unique_ptr<WsClientContext> ctx = std::make_unique<WsClientContext>(loop.get());

  explicit SpeechFixture(size_t sttStreams = 2) : providers(config(sttStreams)) {
    providers.start();
  }
  ~SpeechFixture() {
    ctx->shutdown();
    loop.runUntil([&] { return ctx->closed(); });
    providers.stop();
  }

  TtsRec speak(const std::string& text, const std::string& voice,
               const std::string& format = "pcm_16000", const std::string& language = "") {
    ElevenLabsConfig c;
    c.url = providers.urls().elevenLabsStream;
    c.voiceId = voice;
    c.outputFormat = format;
    c.languageCode = language;
    c.connectTimeoutMs = kConnectMs;
    TtsRec rec;
    ElevenLabsTts tts(*ctx, c, rec, metrics);
    tts.start();
    tts.pushText(text);
    tts.flush();
    loop.runUntil([&] { return rec.done > 0 || rec.error.has_value(); }, 30'000);
    return rec;
  }

  /// Streams `pcm` (s16 at `rate`) with a second of silence after it, then finalizes and closes.
  SttRec listen(const std::vector<int16_t>& pcm, int rate = 16000) {
    DeepgramConfig c;
    c.url = providers.urls().deepgramListen;
    c.sampleRate = rate;
    c.maxReconnects = 0;
    c.closeTimeoutMs = 20'000;
    c.connectTimeoutMs = kConnectMs;
    SttRec rec;
    DeepgramStt stt(*ctx, c, rec, metrics);
    stt.start();
    loop.runUntil([&] { return rec.connected || rec.error.has_value(); }, 20'000);
    std::vector<int16_t> all = pcm;
    all.resize(all.size() + static_cast<size_t>(rate), 0);
    stt.pushAudio(all);
    stt.finalize();
    stt.close();
    loop.runUntil([&] { return rec.closed || rec.fatal; }, 60'000);
    return rec;
  }
};

std::vector<int16_t> samplesOf(const std::vector<uint8_t>& bytes) {
  std::vector<int16_t> s(bytes.size() / 2);
  for (size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<int16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
  return s;
}

}  // namespace

TEST_CASE("local TTS speaks a booking sentence and local STT transcribes it") {
  SpeechFixture f;
  TtsRec said = f.speak("I'd like to book a cleaning next Tuesday at two thirty.", "kal");
  REQUIRE_FALSE(said.error);
  auto pcm = samplesOf(said.audio);
  CHECK(pcm.size() > 16000);      // more than a second of speech
  CHECK(pcm.size() < 16000 * 6);  // and not an endless one
  REQUIRE(said.words.size() >= 8);
  CHECK(said.words[0].word == "I'd");
  for (size_t i = 1; i < said.words.size(); ++i)
    CHECK(said.words[i].startMs >= said.words[i - 1].startMs);

  SttRec heard = f.listen(pcm);
  CHECK_FALSE(heard.error);
  CHECK(heard.speechStarted >= 1);
  std::string text = heard.text();
  MESSAGE("heard: " << text);
  CHECK(text.find("book a cleaning") != std::string::npos);
  CHECK(text.find("tuesday") != std::string::npos);
  CHECK(text.find("two thirty") != std::string::npos);
  REQUIRE_FALSE(heard.finals.empty());
  CHECK_FALSE(heard.finals[0].words.empty());
}

TEST_CASE("local STT reads 8 kHz audio") {
  SpeechFixture f;
  TtsRec said = f.speak("A checkup on Friday please.", "awb");
  auto pcm = samplesOf(said.audio);
  media::Resampler down(16000, 8000);
  std::vector<int16_t> pcm8(down.maxOutput(pcm.size()));
  pcm8.resize(down.process(pcm, pcm8));
  SttRec heard = f.listen(pcm8, 8000);
  MESSAGE("heard: " << heard.text());
  CHECK(heard.text().find("friday") != std::string::npos);
}

TEST_CASE("local TTS output formats scale the audio as declared") {
  SpeechFixture f;
  const std::string text = "Your appointment is booked.";
  auto p16 = f.speak(text, "slt", "pcm_16000");
  REQUIRE_FALSE(p16.error);
  auto p24 = f.speak(text, "slt", "pcm_24000");
  auto p22 = f.speak(text, "slt", "pcm_22050");
  auto u8 = f.speak(text, "slt", "ulaw_8000");
  REQUIRE(p16.audio.size() > 0);
  double n16 = static_cast<double>(p16.audio.size());
  CHECK(static_cast<double>(p24.audio.size()) / n16 == doctest::Approx(1.5).epsilon(0.02));
  CHECK(static_cast<double>(p22.audio.size()) / n16 ==
        doctest::Approx(22050.0 / 16000).epsilon(0.02));
  CHECK(static_cast<double>(u8.audio.size()) / n16 == doctest::Approx(0.25).epsilon(0.02));
}

TEST_CASE("local TTS speaks other languages with espeak-ng") {
  SpeechFixture f;
  auto de = f.speak("Guten Tag, wie kann ich helfen?", "any-voice", "pcm_16000", "de");
  REQUIRE_FALSE(de.error);
  CHECK(de.audio.size() > 16000);
  CHECK(de.words.size() >= 4);
}

TEST_CASE("local TTS refuses an unknown output format at the handshake") {
  SpeechFixture f;
  auto r = f.speak("Hello.", "slt", "mp3_44100_128");
  REQUIRE(r.error);
  CHECK(r.error->httpStatus == 400);
}

TEST_CASE("local TTS answers malformed JSON with an error and a 1008 close") {
  SpeechFixture f;
  RawWs raw;
  WsConnection ws(*f.ctx, raw);
  std::string url = f.providers.urls().elevenLabsStream;
  url.replace(url.find("{voice}"), 7, "slt");
  ws.connect({.url = url + "?output_format=pcm_16000"});
  REQUIRE(f.loop.runUntil([&] { return raw.open; }));
  ws.sendText("{\"text\": 12");
  REQUIRE(f.loop.runUntil([&] { return raw.closed.has_value(); }));
  CHECK(raw.closed->closeCode == 1008);
  REQUIRE(raw.texts.size() == 1);
  CHECK(json::parse(raw.texts[0])["error"] == "invalid_message");
}

TEST_CASE("local STT refuses unknown parameters with 400 and dg-error") {
  SpeechFixture f;
  RawWs raw;
  WsConnection ws(*f.ctx, raw);
  ws.connect({.url = f.providers.urls().deepgramListen + "?encoding=linear16&bogus=1",
              .captureHeaders = {"dg-error"}});
  REQUIRE(f.loop.runUntil([&] { return raw.closed.has_value(); }));
  CHECK_FALSE(raw.open);
  CHECK(raw.closed->httpStatus == 400);
  bool found = false;
  for (const auto& [k, v] : raw.closed->headers)
    found = found || (k == "dg-error" && v.find("bogus") != std::string::npos);
  CHECK(found);
}

TEST_CASE("local STT answers malformed control messages with a SchemaError and goes on") {
  SpeechFixture f;
  RawWs raw;
  WsConnection ws(*f.ctx, raw);
  ws.connect({.url = f.providers.urls().deepgramListen + "?encoding=linear16&sample_rate=16000"});
  REQUIRE(f.loop.runUntil([&] { return raw.open; }, 20'000));
  ws.sendText("{not json");
  ws.sendText(R"({"type":"KeepAlive"})");
  ws.sendText(R"({"type":"CloseStream"})");
  REQUIRE(f.loop.runUntil([&] { return raw.closed.has_value(); }, 20'000));
  CHECK(raw.closed->closeCode == 1000);
  REQUIRE(raw.texts.size() >= 2);
  CHECK(json::parse(raw.texts[0])["variant"] == "SchemaError");
  CHECK(json::parse(raw.texts.back())["type"] == "Metadata");
}

TEST_CASE("local STT refuses a stream over capacity with a clear reason") {
  SpeechFixture f(1);
  SttRec first, second;
  DeepgramConfig c;
  c.url = f.providers.urls().deepgramListen;
  c.maxReconnects = 0;
  c.connectTimeoutMs = kConnectMs;
  DeepgramStt a(*f.ctx, c, first, f.metrics);
  a.start();
  REQUIRE(f.loop.runUntil([&] { return first.connected; }, 20'000));
  DeepgramStt b(*f.ctx, c, second, f.metrics);
  b.start();
  REQUIRE(f.loop.runUntil([&] { return second.fatal; }, 20'000));
  INFO(second.error->message);
  CHECK(second.error->httpStatus == 429);
  CHECK(second.error->message.find("at capacity (1 streams)") != std::string::npos);
  CHECK_FALSE(first.error);
  // When the first stream ends, its decoder serves the next one.
  a.close();
  REQUIRE(f.loop.runUntil([&] { return first.closed; }, 20'000));
  SttRec third;
  DeepgramStt c3(*f.ctx, c, third, f.metrics);
  c3.start();
  REQUIRE(f.loop.runUntil([&] { return third.connected; }, 20'000));
  c3.close();
  REQUIRE(f.loop.runUntil([&] { return third.closed; }, 20'000));
}

TEST_CASE("a start cancelled while the speech models load gives up and leaves nothing running") {
  LocalProviders providers(config(1));
  std::exception_ptr error;
  std::thread starter([&] {
    try {
      providers.start();
    } catch (...) {
      error = std::current_exception();
    }
  });
  // Well inside the load (the STT model alone takes about a second, more under ASan).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  providers.cancelStart();
  starter.join();
  REQUIRE(error);
  CHECK_THROWS_AS(std::rethrow_exception(error), ModelLoadCancelled);
  CHECK_FALSE(providers.running());
  CHECK_THROWS_AS(providers.start(), ModelLoadCancelled);
}
