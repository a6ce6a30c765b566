#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dialog/net/WsClientContext.hpp"
#include "dialog/stt/DeepgramMessage.hpp"
#include "dialog/stt/DeepgramStt.hpp"
#include "tests/dialog/DeepgramTestServer.hpp"
#include "tests/dialog/TestLoop.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;

namespace {
struct Recorder : SttListener {
  std::vector<SttTranscript> finals, interims;
  std::vector<SttConnected> connected;
  std::vector<std::pair<ProviderError, bool>> errors;
  int reconnecting = 0, speechStarted = 0, utteranceEnds = 0;
  bool closed = false;
  void onSttConnected(const SttConnected& c) override { connected.push_back(c); }
  void onSttTranscript(const SttTranscript& t) override {
    (t.isFinal ? finals : interims).push_back(t);
  }
  void onSttSpeechStarted(double) override { ++speechStarted; }
  void onSttUtteranceEnd(double) override { ++utteranceEnds; }
  void onSttReconnecting(const ProviderError&, uint64_t) override { ++reconnecting; }
  void onSttError(const ProviderError& e, bool fatal) override { errors.emplace_back(e, fatal); }
  void onSttClosed() override { closed = true; }
  bool fatal() const {
    for (auto& [e, f] : errors)
      if (f) return true;
    return false;
  }
  std::string finalText() const {
    std::string s;
    for (auto& t : finals) s += (s.empty() ? "" : " ") + t.text;
    return s;
  }
};

std::string expectedWords(int n) {
  std::string s;
  for (int k = 0; k < n; ++k) s += (k ? " w" : "w") + std::to_string(k);
  return s;
}

struct Fixture {
  DeepgramTestServer server;
  TestLoop loop;
  parley::core::MetricsRegistry metrics;
  std::unique_ptr<WsClientContext> ctx = std::make_unique<WsClientContext>(loop.get());
  Recorder rec;
  std::unique_ptr<DeepgramStt> stt;

  DeepgramConfig config() {
    DeepgramConfig c;
    c.url = server.url();
    c.apiKey = DeepgramTestServer::kKey;
    c.keyterms = {"Zoë", "haircut"};
    c.reconnectInitialMs = 10;
    c.reconnectMaxMs = 20;
    return c;
  }
  void make(DeepgramConfig c) {
    stt = std::make_unique<DeepgramStt>(*ctx, std::move(c), rec, metrics);
  }
  /// Pushes audio in 20 ms pieces, as a call leg does, letting the loop run between pieces.
  void push(const std::vector<int16_t>& pcm) {
    for (size_t i = 0; i < pcm.size(); i += 320) {
      stt->pushAudio(
          std::span<const int16_t>(pcm).subspan(i, std::min<size_t>(320, pcm.size() - i)));
      loop.runFor(1);
    }
  }
  ~Fixture() {
    stt.reset();
    ctx->shutdown();
    loop.runUntil([&] { return ctx->closed(); });
    ctx.reset();
  }
};
}  // namespace

TEST_CASE("deepgram: query, auth, framing, interim and final results, Finalize, CloseStream") {
  Fixture f;
  f.make(f.config());
  f.stt->start();
  REQUIRE(f.loop.runUntil([&] { return !f.rec.connected.empty(); }));
  CHECK(f.rec.connected[0].connectMs > 0);
  f.push(DeepgramTestServer::speech(0, 12));  // 1.2 s
  REQUIRE(f.loop.runUntil([&] { return f.rec.finals.size() >= 2; }));
  f.stt->finalize();
  REQUIRE(f.loop.runUntil([&] { return f.rec.utteranceEnds == 1; }));
  CHECK(f.rec.finals.back().fromFinalize);
  CHECK(f.rec.finals.back().speechFinal);
  CHECK(f.rec.finalText() == expectedWords(12));
  CHECK(f.rec.finals[0].words.size() == 5);
  CHECK(f.rec.finals[0].words[1].startS == doctest::Approx(0.1));
  CHECK(f.rec.finals[0].latencyMs > 0);
  CHECK_FALSE(f.rec.interims.empty());
  CHECK(f.rec.speechStarted == 1);
  CHECK(f.stt->bufferedSamples() == 0);
  f.stt->close();
  REQUIRE(f.loop.runUntil([&] { return f.rec.closed; }));
  CHECK(f.rec.errors.empty());

  auto req = f.server.requests().at(0);
  CHECK(req.path == "/v1/listen");
  CHECK(req.authorization == "Token test-key");
  CHECK(req.arg("model") == "nova-3");
  CHECK(req.arg("encoding") == "linear16");
  CHECK(req.arg("sample_rate") == "16000");
  CHECK(req.arg("channels") == "1");
  CHECK(req.arg("interim_results") == "true");
  CHECK(req.arg("endpointing") == "300");
  CHECK(req.arg("utterance_end_ms") == "1000");
  CHECK(req.arg("vad_events") == "true");
  int keyterms = 0;
  for (auto& [k, v] : req.args) keyterms += k == "keyterm";
  CHECK(keyterms == 2);
  auto sizes = f.server.frameSizes();
  REQUIRE(!sizes.empty());
  for (size_t i = 0; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == 1280);  // 40 ms frames
  for (size_t s : sizes) CHECK(s > 0);                                    // never an empty frame
}

TEST_CASE("deepgram: handshake refused with 401 and dg-error is a fatal auth error") {
  Fixture f;
  auto c = f.config();
  c.apiKey = "wrong";
  f.make(c);
  f.stt->start();
  REQUIRE(f.loop.runUntil([&] { return !f.rec.errors.empty(); }));
  auto [e, fatal] = f.rec.errors[0];
  CHECK(fatal);
  CHECK(e.category == ErrorCategory::Auth);
  CHECK(e.httpStatus == 401);
  CHECK(e.message == "Invalid credentials.");
  CHECK_FALSE(e.retryable);
}

TEST_CASE("deepgram: socket dropped mid-call → reconnect and resend, no speech lost") {
  for (int mode = 0; mode < 3; ++mode) {
    CAPTURE(mode);
    Fixture f;
    if (mode == 0) f.server.dropAfterMs = 1200;       // TCP drop (1006)
    if (mode == 1) f.server.closeCodeAfterMs = 1200;  // 1011 NET-0001
    if (mode == 2) {                                  // drop, then a refused (429) reconnect
      f.server.dropAfterMs = 700;
      f.server.refuseNextWith = 0;
    }
    f.make(f.config());
    f.stt->start();
    REQUIRE(f.loop.runUntil([&] { return !f.rec.connected.empty(); }));
    if (mode == 2) f.server.refuseNextWith = 429;
    f.push(DeepgramTestServer::speech(0, 30));  // 3 s
    f.stt->finalize();
    REQUIRE(f.loop.runUntil([&] { return f.rec.utteranceEnds >= 1; }));
    CHECK(f.rec.reconnecting >= 1);
    CHECK(f.server.connections() == 2);
    CHECK(f.rec.finalText() == expectedWords(30));
    CHECK_FALSE(f.rec.fatal());
    // Times stay relative to the stream start across the reconnect.
    CHECK(f.rec.finals.back().words.back().endS == doctest::Approx(3.0));
  }
}

TEST_CASE("deepgram: KeepAlive text frames while no audio flows") {
  Fixture f;
  auto c = f.config();
  c.keepAliveMs = 60;
  f.make(c);
  f.stt->start();
  REQUIRE(f.loop.runUntil([&] { return f.server.keepAlives() >= 3; }));
}

TEST_CASE("deepgram: malformed server message and Error are non-fatal typed errors") {
  Fixture f;
  f.server.sendGarbage = true;
  f.make(f.config());
  f.stt->start();
  f.push(DeepgramTestServer::speech(0, 6));
  REQUIRE(f.loop.runUntil([&] { return f.rec.finals.size() >= 1; }));
  REQUIRE(!f.rec.errors.empty());
  CHECK(f.rec.errors[0].first.category == ErrorCategory::Server);
  CHECK_FALSE(f.rec.errors[0].second);
}

TEST_CASE("DeepgramMessage::parse reads every message type and rejects garbage") {
  auto u = DeepgramMessage::parse(R"({"type":"UtteranceEnd","channel":[0,1],"last_word_end":2.4})");
  REQUIRE(u);
  CHECK(u->type == DeepgramMessage::Type::UtteranceEnd);
  CHECK(u->lastWordEnd == doctest::Approx(2.4));
  auto s = DeepgramMessage::parse(R"({"type":"SpeechStarted","channel":[0,1],"timestamp":9.54})");
  REQUIRE(s);
  CHECK(s->timestamp == doctest::Approx(9.54));
  auto m = DeepgramMessage::parse(R"({"type":"Metadata","request_id":"8c8e","duration":0.0})");
  CHECK(m->requestId == "8c8e");
  auto e =
      DeepgramMessage::parse(R"({"type":"Error","variant":"SchemaError","description":"bad"})");
  CHECK(e->errorVariant == "SchemaError");
  CHECK_FALSE(DeepgramMessage::parse(R"({"type":"Results","channel":[0,1]})"));
  CHECK_FALSE(DeepgramMessage::parse("not json"));
  CHECK(DeepgramMessage::parse(R"({"type":"Other"})")->type == DeepgramMessage::Type::Unknown);
}

TEST_CASE("deepgram: close 1008 DATA-0000 after audio is a fatal bad_request with no reconnect") {
  Fixture f;
  f.server.closeCodeAfterMs = 300;
  f.server.closeCode = 1008;
  f.server.closeReason = "DATA-0000";
  f.make(f.config());
  f.stt->start();
  REQUIRE(f.loop.runUntil([&] { return !f.rec.connected.empty(); }));
  f.push(DeepgramTestServer::speech(0, 5));
  REQUIRE(f.loop.runUntil([&] { return f.rec.fatal(); }));
  const ProviderError& e = f.rec.errors.back().first;
  CHECK(e.category == ErrorCategory::BadRequest);
  CHECK_FALSE(e.retryable);
  CHECK(e.closeCode == 1008);
  CHECK(e.message == "DATA-0000");
  CHECK(f.rec.reconnecting == 0);
  f.loop.runFor(100);
  CHECK(f.server.connections() == 1);
}
