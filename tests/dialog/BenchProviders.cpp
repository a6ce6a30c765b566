// CPU cost of the provider clients (issue 5), run by scripts/bench-providers. The clients run on
// this thread's libuv loop, as on a media loop; the peers run on their own threads and answer at
// once ("instant" scenarios), so what is measured is the client's own work: framing, JSON,
// base64, SSE, curl and lws. Time is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID).
//   STT (Deepgram): N streams pushing 20 ms frames in real time for S seconds →
//     CPU % of one core per stream.
//   LLM (OpenAI-compatible chat stream): C concurrent requests restarted as they finish for S
//     seconds → CPU µs per request and per text delta.
//   TTS (OpenAI /audio/speech, ElevenLabs stream-input): C concurrent replies restarted as they
//     finish → CPU µs per reply and per second of audio.
// Usage: parley_bench_providers [STREAMS] [SECONDS]  (default 20 streams, 10 s). Prints JSON.
#include <time.h>
#include <uv.h>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/Log.hpp"
#include "core/Timer.hpp"
#include "dialog/llm/OpenAiChatClient.hpp"
#include "dialog/net/CurlMulti.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "dialog/stt/DeepgramStt.hpp"
#include "dialog/tts/ElevenLabsTts.hpp"
#include "dialog/tts/OpenAiSpeechTts.hpp"
#include "tests/dialog/DeepgramTestServer.hpp"
#include "tests/dialog/OpenAiTestServer.hpp"
#include "tests/dialog/TestLoop.hpp"
#include "tests/dialog/WsTestServer.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;
using nlohmann::json;

namespace {

double threadCpuS() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// ---- STT ----
struct SttCounter : SttListener {
  int finals = 0;
  int errors = 0;
  void onSttTranscript(const SttTranscript& t) override { finals += t.isFinal ? 1 : 0; }
  void onSttError(const ProviderError&, bool) override { ++errors; }
  void onSttClosed() override {}
};

json benchStt(int streams, double seconds) {
  DeepgramTestServer server;
  TestLoop loop;
  parley::core::MetricsRegistry metrics;
  auto ctx = std::make_unique<WsClientContext>(loop.get());
  std::vector<std::unique_ptr<SttCounter>> listeners;
  std::vector<std::unique_ptr<DeepgramStt>> stts;
  for (int i = 0; i < streams; ++i) {
    DeepgramConfig c;
    c.url = server.url();
    c.apiKey = DeepgramTestServer::kKey;
    listeners.push_back(std::make_unique<SttCounter>());
    stts.push_back(std::make_unique<DeepgramStt>(*ctx, c, *listeners.back(), metrics));
    stts.back()->start();
  }
  loop.runUntil([&] { return server.connections() == streams; }, 20'000);
  auto speech = DeepgramTestServer::speech(0, 100);  // 10 s of synthetic words, looped
  size_t pos = 0;
  parley::core::Timer frames(loop.get(), [&] {
    std::span<const int16_t> frame(speech.data() + pos, 320);  // 20 ms at 16 kHz
    for (auto& s : stts) s->pushAudio(frame);
    pos = (pos + 320) % speech.size();
  });
  double cpu0 = threadCpuS();
  frames.start(20, 20);
  loop.runFor(static_cast<int>(seconds * 1000));
  frames.stop();
  double cpu = threadCpuS() - cpu0;
  int finals = 0, errors = 0;
  for (auto& l : listeners) {
    finals += l->finals;
    errors += l->errors;
  }
  stts.clear();
  ctx->shutdown();
  loop.runUntil([&] { return ctx->closed(); });
  return {{"streams", streams},
          {"seconds", seconds},
          {"frame_ms", 20},
          {"cpu_s", cpu},
          {"cpu_percent_of_core_per_stream", 100.0 * cpu / (seconds * streams)},
          {"cpu_us_per_frame", 1e6 * cpu / (seconds * 50 * streams)},
          {"final_results", finals},
          {"errors", errors}};
}

// ---- LLM ----
struct LlmRunner : LlmListener {
  OpenAiChatClient* client = nullptr;
  ChatRequest request;
  std::unique_ptr<LlmStream> stream;
  int completed = 0, deltas = 0, errors = 0;
  bool stopping = false;
  void next() {
    if (!stopping) stream = client->stream(request, *this);
  }
  void onLlmText(std::string_view) override { ++deltas; }
  void onLlmToolCalls(const std::vector<ToolCall>&) override {}
  void onLlmDone(const LlmDone&) override {
    ++completed;
    restart();
  }
  void onLlmError(const ProviderError&) override {
    ++errors;
    restart();
  }
  // A listener may not destroy the stream it is called from and start a new one in the same
  // breath without care: hand the restart to the loop.
  std::unique_ptr<parley::core::Timer> later;
  void restart() { later->start(0); }
};

json benchLlm(int concurrency, double seconds) {
  OpenAiTestServer server;
  TestLoop loop;
  parley::core::MetricsRegistry metrics;
  CurlMulti multi(loop.get());
  OpenAiChatConfig c;
  c.baseUrl = server.baseUrl("instant");
  c.apiKey = "test-key";
  OpenAiChatClient client(multi, c, metrics);
  std::vector<std::unique_ptr<LlmRunner>> runners;
  for (int i = 0; i < concurrency; ++i) {
    auto r = std::make_unique<LlmRunner>();
    r->client = &client;
    r->request.messages = {{.role = "user", .content = "Hello"}};
    r->later = std::make_unique<parley::core::Timer>(loop.get(), [p = r.get()] { p->next(); });
    runners.push_back(std::move(r));
  }
  double cpu0 = threadCpuS();
  for (auto& r : runners) r->next();
  loop.runFor(static_cast<int>(seconds * 1000));
  for (auto& r : runners) r->stopping = true;
  double cpu = threadCpuS() - cpu0;
  int completed = 0, deltas = 0, errors = 0;
  for (auto& r : runners) {
    completed += r->completed;
    deltas += r->deltas;
    errors += r->errors;
  }
  runners.clear();
  return {{"concurrency", concurrency},
          {"seconds", seconds},
          {"cpu_s", cpu},
          {"requests", completed},
          {"text_deltas", deltas},
          {"errors", errors},
          {"cpu_us_per_request", completed ? 1e6 * cpu / completed : 0.0},
          {"cpu_us_per_delta", deltas ? 1e6 * cpu / deltas : 0.0}};
}

// ---- TTS ----
struct TtsRunner : TtsListener {
  TtsStream* tts = nullptr;
  size_t bytes = 0;
  int completed = 0, errors = 0;
  bool stopping = false;
  std::unique_ptr<parley::core::Timer> later;
  void next() {
    if (stopping) return;
    tts->pushText("Your appointment is booked for Friday at half past two.");
    tts->flush();
  }
  void onTtsAudio(std::span<const uint8_t> b, double) override { bytes += b.size(); }
  void onTtsDone() override {
    ++completed;
    later->start(0);
  }
  void onTtsError(const ProviderError&) override {
    ++errors;
    later->start(1);
  }
};

json ttsResult(const std::vector<std::unique_ptr<TtsRunner>>& runners, int rate, double cpu,
               double seconds) {
  int completed = 0, errors = 0;
  size_t bytes = 0;
  for (const auto& r : runners) {
    completed += r->completed;
    errors += r->errors;
    bytes += r->bytes;
  }
  double audioS = static_cast<double>(bytes) / 2.0 / rate;
  return {{"concurrency", runners.size()},
          {"seconds", seconds},
          {"cpu_s", cpu},
          {"replies", completed},
          {"errors", errors},
          {"audio_seconds", audioS},
          {"cpu_us_per_reply", completed ? 1e6 * cpu / completed : 0.0},
          {"cpu_us_per_audio_second", audioS > 0 ? 1e6 * cpu / audioS : 0.0}};
}

json benchOpenAiTts(int concurrency, double seconds) {
  OpenAiTestServer server;
  TestLoop loop;
  parley::core::MetricsRegistry metrics;
  CurlMulti multi(loop.get());
  OpenAiSpeechConfig c;
  c.baseUrl = server.baseUrl("instant");
  c.apiKey = "test-key";
  std::vector<std::unique_ptr<TtsRunner>> runners;
  std::vector<std::unique_ptr<OpenAiSpeechTts>> streams;
  for (int i = 0; i < concurrency; ++i) {
    auto r = std::make_unique<TtsRunner>();
    streams.push_back(std::make_unique<OpenAiSpeechTts>(multi, c, *r, metrics));
    r->tts = streams.back().get();
    r->later = std::make_unique<parley::core::Timer>(loop.get(), [p = r.get()] { p->next(); });
    runners.push_back(std::move(r));
  }
  double cpu0 = threadCpuS();
  for (auto& r : runners) r->next();
  loop.runFor(static_cast<int>(seconds * 1000));
  for (auto& r : runners) r->stopping = true;
  double cpu = threadCpuS() - cpu0;
  json out = ttsResult(runners, OpenAiSpeechTts::kSampleRate, cpu, seconds);
  streams.clear();
  return out;
}

/// ElevenLabs stream-input peer answering at once: per end of input, 5 chunks of ~200 ms of
/// 16 kHz PCM (base64) with alignment, isFinal, close.
struct InstantElevenLabs : WsTestHandler {
  std::string audioMessage;
  InstantElevenLabs() {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b64;
    for (int i = 0; i < 8528; ++i) b64.push_back(a[(i * 7) % 64]);  // 6396 bytes: 3198 samples
    audioMessage = json{{"audio", b64},
                        {"isFinal", false},
                        {"alignment",
                         {{"chars", {"O", "k", " "}},
                          {"charStartTimesMs", {0, 50, 100}},
                          {"charDurationsMs", {50, 50, 100}}}}}
                       .dump();
  }
  void onText(WsTestConn& c, std::string_view text) override {
    if (text != R"({"text":""})") return;
    for (int i = 0; i < 5; ++i) c.sendText(audioMessage);
    c.sendText(R"({"isFinal":true})");
    c.close(1000, "");
  }
};

json benchElevenLabsTts(int concurrency, double seconds) {
  InstantElevenLabs peer;
  WsTestServer server(peer);
  TestLoop loop;
  parley::core::MetricsRegistry metrics;
  auto ctx = std::make_unique<WsClientContext>(loop.get());
  ElevenLabsConfig c;
  c.url = server.url("/v1/text-to-speech/{voice}/stream-input");
  std::vector<std::unique_ptr<TtsRunner>> runners;
  std::vector<std::unique_ptr<ElevenLabsTts>> streams;
  for (int i = 0; i < concurrency; ++i) {
    auto r = std::make_unique<TtsRunner>();
    streams.push_back(std::make_unique<ElevenLabsTts>(*ctx, c, *r, metrics));
    r->tts = streams.back().get();
    r->later = std::make_unique<parley::core::Timer>(loop.get(), [p = r.get()] { p->next(); });
    streams.back()->start();
    runners.push_back(std::move(r));
  }
  loop.runUntil([&] {
    for (auto& s : streams)
      if (!s->connected()) return false;
    return true;
  });
  double cpu0 = threadCpuS();
  for (auto& r : runners) r->next();
  loop.runFor(static_cast<int>(seconds * 1000));
  for (auto& r : runners) r->stopping = true;
  double cpu = threadCpuS() - cpu0;
  json out = ttsResult(runners, 16000, cpu, seconds);
  streams.clear();
  ctx->shutdown();
  loop.runUntil([&] { return ctx->closed(); });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int streams = argc > 1 ? std::atoi(argv[1]) : 20;
  double seconds = argc > 2 ? std::atof(argv[2]) : 10;
  if (streams < 1 || seconds <= 0) {
    std::fprintf(stderr, "usage: parley_bench_providers [STREAMS>0] [SECONDS>0]\n");
    return 2;
  }
  parley::core::LogSettings quiet;
  quiet.level = parley::core::LogLevel::Error;
  parley::core::setupLogging(quiet);
  int concurrency = std::max(1, streams / 4);  // replies overlap less than live audio streams
  json out{{"cores", std::thread::hardware_concurrency()},
           {"stt_deepgram", benchStt(streams, seconds)},
           {"llm_openai_chat", benchLlm(concurrency, seconds)},
           {"tts_openai_speech", benchOpenAiTts(concurrency, seconds)},
           {"tts_elevenlabs", benchElevenLabsTts(concurrency, seconds)}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
