#include <doctest/doctest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dialog/tts/OpenAiSpeechTts.hpp"
#include "tests/dialog/OpenAiTestServer.hpp"
#include "tests/dialog/TestLoop.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;
using nlohmann::json;

namespace {
struct Rec : TtsListener {
  std::string audio;  ///< bytes as delivered
  std::vector<size_t> chunkSizes;
  std::vector<double> ttfbs;  ///< non-zero TTFB values, in order
  int done = 0;
  std::optional<ProviderError> error;
  std::unique_ptr<OpenAiSpeechTts>* destroyOnAudio = nullptr;
  OpenAiSpeechTts* cancelOnAudio = nullptr;
  void onTtsAudio(std::span<const uint8_t> b, double ttfb) override {
    audio.append(reinterpret_cast<const char*>(b.data()), b.size());
    chunkSizes.push_back(b.size());
    if (ttfb > 0) ttfbs.push_back(ttfb);
    if (cancelOnAudio) cancelOnAudio->cancel();  // barge-in from inside the callback
    if (destroyOnAudio) destroyOnAudio->reset();
  }
  void onTtsDone() override { ++done; }
  void onTtsError(const ProviderError& e) override { error = e; }
};

struct Fixture {
  OpenAiTestServer server;
  TestLoop loop;
  CurlMulti multi{loop.get()};
  parley::core::MetricsRegistry metrics;
  Rec rec;
  std::unique_ptr<OpenAiSpeechTts> tts;

  OpenAiSpeechConfig config(const std::string& scenario) {
    OpenAiSpeechConfig c;
    c.baseUrl = server.baseUrl(scenario);
    c.apiKey = "test-key";
    c.model = "gpt-4o-mini-tts";
    c.voice = "coral";
    c.retryInitialMs = 10;
    c.retryMaxMs = 20;
    return c;
  }
  void make(OpenAiSpeechConfig c) {
    tts = std::make_unique<OpenAiSpeechTts>(multi, std::move(c), rec, metrics);
  }
  void say(const std::string& scenario, const std::string& text) {
    make(config(scenario));
    tts->pushText(text);
    tts->flush();
  }
  bool finished() const { return rec.done > 0 || rec.error.has_value(); }
  json body(size_t i) const { return json::parse(server.requests().at(i).body); }
};

bool allEven(const std::vector<size_t>& sizes) {
  for (size_t s : sizes)
    if (s % 2) return false;
  return true;
}
}  // namespace

TEST_CASE("openai speech: request shape and PCM cut at odd bytes delivered as whole samples") {
  Fixture f;
  f.make(f.config("plain"));
  CHECK(f.tts->audioSampleRate() == 24000);
  CHECK(f.tts->encoding() == TtsEncoding::Pcm16);
  f.tts->pushText("Your appointment is booked.");
  f.tts->pushText("See you Friday at 2:30 — Zoë!");
  CHECK(f.server.requests().empty());  // nothing goes out before flush()
  f.tts->flush();
  REQUIRE(f.loop.runUntil([&] { return f.finished(); }));
  REQUIRE_FALSE(f.rec.error);
  CHECK(f.rec.done == 1);
  CHECK(f.rec.audio == OpenAiTestServer::speechPcm());  // every byte, in order
  CHECK(f.rec.chunkSizes.size() > 4);                   // streamed, not buffered whole
  CHECK(allEven(f.rec.chunkSizes));
  REQUIRE(f.rec.ttfbs.size() == 1);
  CHECK(f.rec.ttfbs[0] > 0);
  auto reqs = f.server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].path == "/plain/audio/speech");
  CHECK(reqs[0].header("authorization") == "Bearer test-key");
  CHECK(reqs[0].header("content-type") == "application/json");
  json b = f.body(0);
  CHECK(b["model"] == "gpt-4o-mini-tts");
  CHECK(b["voice"] == "coral");
  CHECK(b["response_format"] == "pcm");
  CHECK(b["speed"] == 1.0);
  CHECK(b["input"] == "Your appointment is booked. See you Friday at 2:30 — Zoë!");
  CHECK_FALSE(b.contains("instructions"));
  CHECK(f.metrics.histogram("parley_tts_ttfb_seconds", "", {}, {{"provider", "openai"}}).count() ==
        1);
}

TEST_CASE("openai speech: two flushes are spoken in order with one done each") {
  Fixture f;
  f.make(f.config("plain"));
  f.tts->pushText("First.");
  f.tts->flush();
  f.tts->pushText("Second.");
  f.tts->flush();
  f.tts->flush();  // nothing pushed since: no request and no extra done
  REQUIRE(f.loop.runUntil([&] { return f.rec.done == 2 || f.rec.error; }));
  f.loop.runFor(50);
  CHECK(f.rec.done == 2);
  CHECK(f.rec.audio == OpenAiTestServer::speechPcm() + OpenAiTestServer::speechPcm());
  CHECK(f.rec.ttfbs.size() == 2);
  REQUIRE(f.server.requests().size() == 2);
  CHECK(f.body(0)["input"] == "First.");
  CHECK(f.body(1)["input"] == "Second.");
  CHECK_FALSE(f.tts->busy());
}

TEST_CASE("openai speech: text over the 4096 input bound is split into several requests") {
  Fixture f;
  std::string sentence = "Der Termin für Zoë ist am Freitag um halb drei. ";  // multi-byte UTF-8
  std::string text;
  while (text.size() < 9000) text += sentence;
  f.say("plain", text);
  REQUIRE(f.loop.runUntil([&] { return f.finished(); }));
  REQUIRE_FALSE(f.rec.error);  // the peer refuses an input over 4096 with 400
  CHECK(f.rec.done == 1);
  auto reqs = f.server.requests();
  REQUIRE(reqs.size() == 3);
  std::string joined;
  for (size_t i = 0; i < reqs.size(); ++i)
    joined += (i ? " " : "") + f.body(i)["input"].get<std::string>();
  CHECK(joined + " " == text);
  CHECK(f.rec.audio.size() == 3 * OpenAiTestServer::speechPcm().size());
  CHECK(f.rec.ttfbs.size() == 1);  // one utterance, one TTFB
}

TEST_CASE("OpenAiSpeechTts::splitInput keeps code points whole and prefers spaces") {
  auto pieces = OpenAiSpeechTts::splitInput("  ab cd ef  ", 5);
  CHECK(pieces == std::vector<std::string>{"ab cd", "ef"});
  // "ééééé" is 10 bytes: a cut at 5 would split the third é.
  pieces = OpenAiSpeechTts::splitInput("ééééé", 5);
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[0] == "éé");
  CHECK(pieces[1] == "éé");
  CHECK(pieces[2] == "é");
  CHECK(OpenAiSpeechTts::splitInput("   ", 5).empty());
  pieces = OpenAiSpeechTts::splitInput("abcdefghijk", 4);  // no space: hard cuts
  CHECK(pieces == std::vector<std::string>{"abcd", "efgh", "ijk"});
}

TEST_CASE("openai speech: 429 with retry-after-ms is retried then succeeds") {
  Fixture f;
  f.say("ratelimit", "Hello.");
  REQUIRE(f.loop.runUntil([&] { return f.finished(); }));
  REQUIRE_FALSE(f.rec.error);
  CHECK(f.rec.done == 1);
  CHECK(f.server.requests().size() == 2);
  CHECK(f.rec.audio == OpenAiTestServer::speechPcm());
  CHECK(f.metrics.counter("parley_tts_retries_total", "", {{"provider", "openai"}}).value() == 1);
}

TEST_CASE("openai speech: refused requests carry category and retryability") {
  struct Case {
    const char* scenario;
    ErrorCategory category;
    bool retryable;
    int status;
    const char* text;
    size_t requests;
  };
  for (const Case& c :
       {Case{"auth", ErrorCategory::Auth, false, 401, "Incorrect API key", 1},
        Case{"bad-request", ErrorCategory::BadRequest, false, 400, "Invalid voice", 1},
        Case{"quota", ErrorCategory::RateLimit, false, 429, "quota", 1},
        Case{"always-500", ErrorCategory::Server, true, 500, "server had", 3}}) {
    CAPTURE(c.scenario);
    Fixture f;
    f.say(c.scenario, "Hello.");
    REQUIRE(f.loop.runUntil([&] { return f.finished(); }));
    REQUIRE(f.rec.error);
    CHECK(f.rec.error->category == c.category);
    CHECK(f.rec.error->retryable == c.retryable);
    CHECK(f.rec.error->httpStatus == c.status);
    CHECK(f.rec.error->message.find(c.text) != std::string::npos);
    CHECK(f.server.requests().size() == c.requests);  // 500: first try + 2 retries
    CHECK(f.rec.audio.empty());
    CHECK(f.rec.done == 0);
    CHECK_FALSE(f.tts->busy());
  }
}

TEST_CASE("openai speech: body cut mid-stream is a retryable connectivity error") {
  Fixture f;
  f.say("cut", "Hello there.");
  REQUIRE(f.loop.runUntil([&] { return f.finished(); }));
  REQUIRE(f.rec.error);
  CHECK(f.rec.error->category == ErrorCategory::Connectivity);
  CHECK(f.rec.error->retryable);
  CHECK(f.rec.done == 0);
  CHECK(f.rec.audio == OpenAiTestServer::speechPcm().substr(0, 2002));  // the two pieces sent
  CHECK(f.server.requests().size() == 1);  // audio was played: not repeated behind our back
}

TEST_CASE("openai speech: no first byte within the deadline is a timeout (retried first)") {
  Fixture f;
  auto c = f.config("hang");
  c.firstByteTimeoutMs = 100;
  c.maxRetries = 1;
  f.make(c);
  f.tts->pushText("Hello.");
  f.tts->flush();
  REQUIRE(f.loop.runUntil([&] { return f.finished(); }));
  REQUIRE(f.rec.error);
  CHECK(f.rec.error->category == ErrorCategory::Timeout);
  CHECK(f.rec.error->retryable);
  CHECK(f.server.requests().size() == 2);
  CHECK(f.multi.activeTransfers() == 0);
}

TEST_CASE("openai speech: connection refused is a retryable connectivity error") {
  Fixture f;
  std::string deadUrl;
  {
    OpenAiTestServer gone;  // a port that was just closed
    deadUrl = gone.baseUrl("plain");
  }
  auto c = f.config("plain");
  c.baseUrl = deadUrl;
  c.maxRetries = 1;
  f.make(c);
  f.tts->pushText("Hello.");
  f.tts->flush();
  REQUIRE(f.loop.runUntil([&] { return f.finished(); }));
  REQUIRE(f.rec.error);
  CHECK(f.rec.error->category == ErrorCategory::Connectivity);
  CHECK(f.rec.error->retryable);
}

TEST_CASE("openai speech: cancel from inside the audio callback stops everything at once") {
  Fixture f;
  f.make(f.config("slow"));
  f.rec.cancelOnAudio = f.tts.get();
  f.tts->pushText("A long answer that will be interrupted.");
  f.tts->flush();
  f.tts->pushText("Queued behind it.");
  f.tts->flush();
  f.tts->pushText("Pushed, never flushed.");
  REQUIRE(f.loop.runUntil([&] { return !f.rec.audio.empty(); }));
  size_t heard = f.rec.audio.size();
  CHECK(heard == 1000);  // the first 1001-byte piece minus the byte of a split sample
  f.loop.runFor(500);    // the peer keeps sending every 200 ms
  CHECK(f.rec.audio.size() == heard);
  CHECK(f.rec.done == 0);
  CHECK_FALSE(f.rec.error);
  CHECK(f.multi.activeTransfers() == 0);
  CHECK_FALSE(f.tts->busy());
  // The stream is reusable after a barge-in.
  f.rec.cancelOnAudio = nullptr;
  f.tts->pushText("Next reply.");
  f.tts->flush();
  REQUIRE(f.loop.runUntil([&] { return f.rec.done == 1 || f.rec.error; }, 20'000));
  CHECK(f.body(f.server.requests().size() - 1)["input"] == "Next reply.");
}

TEST_CASE("openai speech: destroying the stream inside a callback is safe") {
  Fixture f;
  f.make(f.config("plain"));
  f.rec.destroyOnAudio = &f.tts;
  f.tts->pushText("Bye.");
  f.tts->flush();
  REQUIRE(f.loop.runUntil([&] { return f.tts == nullptr; }));
  f.loop.runFor(100);
  CHECK(f.rec.chunkSizes.size() == 1);
  CHECK(f.rec.done == 0);
  CHECK(f.multi.activeTransfers() == 0);
}
