#include <doctest/doctest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dialog/net/Base64.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "dialog/tts/ElevenLabsMessage.hpp"
#include "dialog/tts/ElevenLabsTts.hpp"
#include "tests/dialog/TestLoop.hpp"
#include "tests/dialog/WsTestServer.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;
using nlohmann::json;

namespace {
std::string b64(const std::vector<uint8_t>& in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    for (int k = 3; k >= 0; --k) out.push_back(a[(v >> (6 * k)) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = in[i] << 16;
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (in[i] << 16) | (in[i + 1] << 8);
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

/// ElevenLabs stream-input peer (elevenlabs-ws.md §1): checks xi-api-key, records messages, and
/// on end of input sends two audio chunks (16 kHz PCM, 100 ms each) with alignment in two key
/// spellings, then isFinal and a 1000 close.
struct ElevenLabsPeer : WsTestHandler {
  std::mutex mutex;
  std::vector<std::string> texts;
  std::vector<WsTestRequest> requests;
  std::optional<WsReject> onUpgrade(const WsTestRequest& r) override {
    std::lock_guard l(mutex);
    requests.push_back(r);
    if (r.apiKeyHeader != "el-key") return WsReject{401, {}, R"({"detail":"invalid_api_key"})"};
    return std::nullopt;
  }
  void onText(WsTestConn& c, std::string_view text) override {
    std::lock_guard l(mutex);
    texts.emplace_back(text);
    json j = json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("text", "x") != "") return;
    std::vector<uint8_t> pcm(3200, 0);  // 100 ms of 16 kHz s16
    pcm[0] = 0x34;
    pcm[1] = 0x12;
    c.sendText(json{
        {"audio", b64(pcm)},
        {"isFinal", false},
        {"normalizedAlignment",
         {{"chars", {"H", "i", " ", "t", "h"}},
          {"charStartTimesMs", {0, 10, 20, 30, 40}},
          {"charsDurationsMs", {10, 10, 10, 10, 60}}}},
        {"alignment",
         nullptr}}.dump());
    c.sendText(json{{"audio", b64(pcm)},
                    {"isFinal", false},
                    {"alignment",
                     {{"chars", {"e", "r", "e", "."}},
                      {"char_start_times_ms", {0, 20, 40, 60}},
                      {"chars_durations_ms", {20, 20, 20, 40}}}}}
                   .dump());
    c.sendText(R"({"isFinal":true})");
    c.close(1000, "");
  }
};

struct Rec : TtsListener {
  std::vector<uint8_t> audio;
  std::vector<TtsWordTiming> words;
  double ttfb = 0;
  int done = 0;
  std::optional<ProviderError> error;
  void onTtsAudio(std::span<const uint8_t> b, double t) override {
    audio.insert(audio.end(), b.begin(), b.end());
    if (t > 0) ttfb = t;
  }
  void onTtsWords(const std::vector<TtsWordTiming>& w) override {
    words.insert(words.end(), w.begin(), w.end());
  }
  void onTtsDone() override { ++done; }
  void onTtsError(const ProviderError& e) override { error = e; }
};

struct Fixture {
  ElevenLabsPeer peer;
  WsTestServer server{peer};
  TestLoop loop;
  parley::core::MetricsRegistry metrics;
  std::unique_ptr<WsClientContext> ctx = std::make_unique<WsClientContext>(loop.get());
  Rec rec;
  std::unique_ptr<ElevenLabsTts> tts;
  ElevenLabsConfig config() {
    ElevenLabsConfig c;
    c.url = server.url("/v1/text-to-speech/{voice}/stream-input");
    c.apiKey = "el-key";
    c.voiceId = "voice1";
    return c;
  }
  ~Fixture() {
    tts.reset();
    ctx->shutdown();
    loop.runUntil([&] { return ctx->closed(); });
  }
};
}  // namespace

TEST_CASE("elevenlabs: pre-opened socket, init message, text, end of input, audio, word timings") {
  Fixture f;
  f.tts = std::make_unique<ElevenLabsTts>(*f.ctx, f.config(), f.rec, f.metrics);
  f.tts->start();
  REQUIRE(f.loop.runUntil([&] { return f.tts->connected(); }));
  f.tts->pushText("Hi");
  f.tts->pushText("there.");
  f.tts->flush();
  REQUIRE(f.loop.runUntil([&] { return f.rec.done == 1; }));
  CHECK_FALSE(f.rec.error);
  CHECK(f.rec.audio.size() == 6400);
  CHECK(f.rec.audio[0] == 0x34);
  CHECK(f.rec.ttfb > 0);
  REQUIRE(f.rec.words.size() == 2);
  CHECK(f.rec.words[0].word == "Hi");
  CHECK(f.rec.words[0].endMs == doctest::Approx(20));
  CHECK(f.rec.words[1].word == "there.");
  CHECK(f.rec.words[1].startMs == doctest::Approx(30));
  CHECK(f.rec.words[1].endMs == doctest::Approx(200));  // second chunk offset by 100 ms of audio
  REQUIRE(f.loop.runUntil([&] { return f.tts->connected(); }));
  std::lock_guard l(f.peer.mutex);
  REQUIRE(f.peer.texts.size() >= 4);
  auto init = json::parse(f.peer.texts[0]);
  CHECK(init["text"] == " ");
  CHECK(init["voice_settings"]["stability"] == 0.5);
  CHECK(init["generation_config"]["chunk_length_schedule"].size() == 4);
  CHECK(json::parse(f.peer.texts[1])["text"] == "Hi ");
  CHECK(json::parse(f.peer.texts[1])["try_trigger_generation"] == true);
  CHECK(f.peer.texts[3] == R"({"text":""})");
  auto req = f.peer.requests[0];
  CHECK(req.path == "/v1/text-to-speech/voice1/stream-input");
  CHECK(req.arg("output_format") == "pcm_16000");
  CHECK(req.arg("model_id") == "eleven_flash_v2_5");
  CHECK(f.peer.requests.size() == 2);  // the next reply's socket is already open
}

TEST_CASE("elevenlabs: bad key refused at the handshake is an auth error") {
  Fixture f;
  auto c = f.config();
  c.apiKey = "nope";
  f.tts = std::make_unique<ElevenLabsTts>(*f.ctx, c, f.rec, f.metrics);
  f.tts->start();
  REQUIRE(f.loop.runUntil([&] { return f.rec.error.has_value(); }));
  CHECK(f.rec.error->category == ErrorCategory::Auth);
  CHECK(f.rec.error->httpStatus == 401);
}

TEST_CASE("ElevenLabsMessage::parse: spellings, errors, garbage") {
  auto e = ElevenLabsMessage::parse(R"({"error":"quota_exceeded","message":"out of credits"})");
  REQUIRE(e);
  CHECK(*e->error == "quota_exceeded: out of credits");
  CHECK_FALSE(ElevenLabsMessage::parse(R"({"audio":"!!"})"));
  CHECK_FALSE(ElevenLabsMessage::parse("[]"));
  auto m = ElevenLabsMessage::parse(
      R"({"audio":null,"isFinal":true,"alignment":{"chars":["a"],"charStartTimesMs":[0],"charDurationsMs":[5]}})");
  REQUIRE(m);
  CHECK(m->isFinal);
  REQUIRE(m->alignment);
  CHECK(m->alignment->durationMs[0] == 5);
  auto bad = ElevenLabsMessage::parse(
      R"({"alignment":{"chars":["a","b"],"charStartTimesMs":[0],"charDurationsMs":[5]}})");
  REQUIRE(bad);
  CHECK_FALSE(bad->alignment);  // mismatched lengths are ignored, not trusted
}
