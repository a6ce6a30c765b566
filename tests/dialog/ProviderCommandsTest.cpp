// `parley stt|llm|tts` run in-process against the loopback test peers, as a user would run them
// against real providers: keys from the environment, URLs and models from a config file or flags.
#include <doctest/doctest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "agent/cli/ProviderCommands.hpp"
#include "media/WavFile.hpp"
#include "tests/dialog/DeepgramTestServer.hpp"
#include "tests/dialog/OpenAiTestServer.hpp"
#include "tests/dialog/WsTestServer.hpp"

using namespace parley::dialog::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
struct Result {
  int exitCode = -1;
  std::vector<json> events;
  std::string err;
  std::vector<json> of(const std::string& name) const {
    std::vector<json> out;
    for (const auto& e : events)
      if (e.value("event", "") == name) out.push_back(e);
    return out;
  }
};

/// Runs `parley <args>` through the same CLI11 setup as agent/main.cpp.
Result run(std::vector<std::string> args) {
  CLI::App app{"parley"};
  app.require_subcommand(1);
  int exitCode = 0;
  std::ostringstream out, err;
  parley::agent::addProviderCommands(app, exitCode, out, err);
  args.insert(args.begin(), "parley");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Result r;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    r.exitCode = exitCode;
  } catch (const CLI::ParseError& e) {
    r.exitCode = 2;
    r.err = e.what();
  }
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    json j = json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), "not a JSON line: " << line);
    r.events.push_back(j);
  }
  r.err += err.str();
  return r;
}

/// A scratch folder with a worker config pointing at the test peers.
struct Scratch {
  fs::path dir = fs::temp_directory_path() /
                 ("parley-provcli-" + std::to_string(getpid()) + "-" + std::to_string(counter()++));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string config(const std::string& providersYaml) {
    auto p = dir / "parley.yaml";
    std::ofstream f(p);
    f << "data_dir: " << (dir / "data").string() << "\n"
      << "tenants_dir: " << PARLEY_SOURCE_DIR << "/config/tenants\n"
      << "providers:\n"
      << providersYaml;
    return p.string();
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

/// ElevenLabs stream-input peer (elevenlabs-ws.md §1): on end of input, two ~100 ms chunks of
/// 16 kHz PCM (sample values 1… and 1601…) with alignment, then isFinal and close 1000.
struct ElevenLabsPeer : WsTestHandler {
  std::mutex mutex;
  std::vector<std::string> texts;
  std::optional<WsReject> onUpgrade(const WsTestRequest& r) override {
    if (r.apiKeyHeader != "el-key") return WsReject{401, {}, R"({"detail":"invalid_api_key"})"};
    return std::nullopt;
  }
  static std::string b64(const std::vector<uint8_t>& in) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < in.size(); i += 3) {  // callers pass a multiple of 3 bytes
      uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
      for (int k = 3; k >= 0; --k) out.push_back(a[(v >> (6 * k)) & 63]);
    }
    return out;
  }
  void onText(WsTestConn& c, std::string_view text) override {
    std::lock_guard l(mutex);
    texts.emplace_back(text);
    json j = json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("text", "x") != "") return;
    for (int chunk = 0; chunk < 2; ++chunk) {
      // 1599 samples (3198 bytes, a multiple of 3 so the encoder needs no padding).
      std::vector<uint8_t> wire;
      for (int i = 0; i < 1599; ++i) {
        auto v = static_cast<int16_t>(chunk * 1600 + i + 1);
        wire.push_back(static_cast<uint8_t>(v & 0xFF));
        wire.push_back(static_cast<uint8_t>(v >> 8));
      }
      c.sendText(json{{"audio", b64(wire)},
                      {"isFinal", false},
                      {"alignment",
                       {{"chars", {"H", "i", " "}},
                        {"charStartTimesMs", {0, 30, 60}},
                        {"charDurationsMs", {30, 30, 10}}}}}
                     .dump());
    }
    c.sendText(R"({"isFinal":true})");
    c.close(1000, "");
  }
};

std::string finalText(const Result& r) {
  std::string s;
  for (const auto& t : r.of("transcript"))
    if (t["final"].get<bool>() && !t["text"].get<std::string>().empty())
      s += (s.empty() ? "" : " ") + t["text"].get<std::string>();
  return s;
}

std::string expectedWords(int n) {
  std::string s;
  for (int k = 0; k < n; ++k) s += (k ? " w" : "w") + std::to_string(k);
  return s;
}
}  // namespace

TEST_CASE("parley stt: a WAV file through the Deepgram peer prints connected, finals, closed") {
  DeepgramTestServer server;
  Scratch s;
  auto pcm = DeepgramTestServer::speech(0, 20);  // 2 s of 16 kHz synthetic words
  parley::media::WavFile::write(s.path("in.wav"), 16000, 1, pcm);
  setenv("DEEPGRAM_API_KEY", DeepgramTestServer::kKey, 1);
  // The URL comes from the config file; the model from the flag.
  auto cfg = s.config("  deepgram:\n    url: " + server.url() + "\n");
  Result r = run({"stt", "--config", cfg, "--in", s.path("in.wav"), "--model", "nova-2"});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  REQUIRE(r.of("connected").size() == 1);
  CHECK(finalText(r) == expectedWords(20));
  CHECK(r.of("closed").size() == 1);
  CHECK(r.of("speech_started").size() == 1);
  CHECK(r.of("error").empty());
  REQUIRE_FALSE(server.requests().empty());
  CHECK(server.requests()[0].arg("model") == "nova-2");
  CHECK(server.requests()[0].arg("sample_rate") == "16000");
}

TEST_CASE("parley stt: a bad key is an auth error event and exit code 1") {
  DeepgramTestServer server;
  Scratch s;
  parley::media::WavFile::write(s.path("in.wav"), 16000, 1, DeepgramTestServer::speech(0, 3));
  setenv("DEEPGRAM_API_KEY", "wrong-key", 1);
  Result r =
      run({"stt", "--config", s.config(""), "--url", server.url(), "--wav", s.path("in.wav")});
  CHECK(r.exitCode == 1);
  auto errors = r.of("error");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0]["category"] == "auth");
  CHECK(errors[0]["http_status"] == 401);
  CHECK(errors[0]["message"] == "Invalid credentials.");
  CHECK(errors[0]["retryable"] == false);
}

TEST_CASE("parley llm: streams text deltas and a done event with usage") {
  OpenAiTestServer server;
  Scratch s;
  setenv("OPENAI_API_KEY", "test-key", 1);
  auto cfg = s.config("  openai:\n    base_url: " + server.baseUrl("text") + "\n    model: m1\n");
  Result r = run({"llm", "--config", cfg, "--prompt", "Hello?"});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  std::string text;
  for (const auto& t : r.of("text")) text += t["delta"].get<std::string>();
  CHECK(text == OpenAiTestServer::kText);
  auto done = r.of("done");
  REQUIRE(done.size() == 1);
  CHECK(done[0]["finish_reason"] == "stop");
  CHECK(done[0]["usage"]["total_tokens"] == 98);
  auto body = json::parse(server.requests().at(0).body);
  CHECK(body["model"] == "m1");
  CHECK(body["messages"].back()["content"] == "Hello?");
  CHECK_FALSE(body.contains("tools"));
}

TEST_CASE("parley llm: a tenant's prompt and tools are sent and tool calls printed") {
  OpenAiTestServer server;
  Scratch s;
  setenv("OPENAI_API_KEY", "test-key", 1);
  Result r = run({"llm", "--config", s.config(""), "--base-url", server.baseUrl("tools"),
                  "--tenant", "demo", "--say", "Can I come Friday?"});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  auto calls = r.of("tool_calls");
  REQUIRE(calls.size() == 1);
  REQUIRE(calls[0]["calls"].size() == 2);
  CHECK(calls[0]["calls"][0]["name"] == "check_availability");
  CHECK(calls[0]["calls"][0]["arguments_valid_json"] == true);
  CHECK(json::parse(calls[0]["calls"][0]["arguments"].get<std::string>())["staff"] == "Zoë");
  CHECK(calls[0]["calls"][1]["name"] == "end_call");
  CHECK(r.of("done").at(0)["finish_reason"] == "tool_calls");
  auto body = json::parse(server.requests().at(0).body);
  CHECK(body["messages"][0]["role"] == "system");
  CHECK(body["messages"][0]["content"].get<std::string>().find("Maple Street Dental") !=
        std::string::npos);
  REQUIRE(body["tools"].is_array());
  CHECK(body["tools"].size() >= 3);
  CHECK(body["tool_choice"] == "auto");
}

TEST_CASE("parley llm: a bad key and an unknown tenant give exit codes 1 and 2") {
  OpenAiTestServer server;
  Scratch s;
  setenv("OPENAI_API_KEY", "bad-key", 1);
  Result r =
      run({"llm", "--config", s.config(""), "--base-url", server.baseUrl("text"), "--say", "hi"});
  CHECK(r.exitCode == 1);
  REQUIRE(r.of("error").size() == 1);
  CHECK(r.of("error")[0]["category"] == "auth");
  setenv("OPENAI_API_KEY", "test-key", 1);
  r = run({"llm", "--config", s.config(""), "--base-url", server.baseUrl("text"), "--tenant",
           "nope", "--say", "hi"});
  CHECK(r.exitCode == 2);
  CHECK(r.err.find("unknown tenant 'nope'") != std::string::npos);
}

TEST_CASE("parley tts --provider openai: writes the streamed 24 kHz PCM as a WAV") {
  OpenAiTestServer server;
  Scratch s;
  setenv("OPENAI_API_KEY", "test-key", 1);
  auto cfg = s.config("  openai:\n    tts_base_url: " + server.baseUrl("plain") +
                      "\n    tts_voice: nova\n");
  Result r = run({"tts", "--config", cfg, "--provider", "openai", "--text", "Hello there.", "--out",
                  s.path("out.wav")});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  auto done = r.of("done");
  REQUIRE(done.size() == 1);
  CHECK(done[0]["sample_rate"] == 24000);
  CHECK(done[0]["samples"] == OpenAiTestServer::kSpeechSamples);
  CHECK(done[0]["ttfb_ms"].get<double>() > 0);
  auto wav = parley::media::WavFile::read(s.path("out.wav"));
  CHECK(wav.sampleRate == 24000);
  CHECK(wav.channels == 1);
  REQUIRE(wav.samples.size() == OpenAiTestServer::kSpeechSamples);
  for (size_t i = 0; i < wav.samples.size(); i += 997)
    CHECK(wav.samples[i] == static_cast<int16_t>(static_cast<int>(i % 2000) - 1000));
  auto body = json::parse(server.requests().at(0).body);
  CHECK(body["voice"] == "nova");
  CHECK(body["input"] == "Hello there.");
}

TEST_CASE("parley tts --provider elevenlabs: decoded audio and word timings") {
  ElevenLabsPeer peer;
  WsTestServer server(peer);
  Scratch s;
  setenv("ELEVEN_API_KEY", "el-key", 1);
  Result r = run({"tts", "--config", s.config(""), "--provider", "elevenlabs", "--url",
                  server.url("/v1/text-to-speech/{voice}/stream-input"), "--voice", "v1", "--text",
                  "Hi", "--out", s.path("el.wav")});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  REQUIRE(r.of("done").size() == 1);
  CHECK(r.of("done")[0]["sample_rate"] == 16000);
  auto wav = parley::media::WavFile::read(s.path("el.wav"));
  REQUIRE(wav.samples.size() == 2 * 1599);
  CHECK(wav.samples[0] == 1);
  CHECK(wav.samples[1599] == 1601);
  CHECK_FALSE(r.of("words").empty());
  CHECK(r.of("first_audio").size() == 1);
}

TEST_CASE("parley tts: an unknown provider and a refused key") {
  Scratch s;
  Result r = run({"tts", "--config", s.config(""), "--provider", "acme", "--text", "x", "--out",
                  s.path("x.wav")});
  CHECK(r.exitCode == 2);
  OpenAiTestServer server;
  setenv("OPENAI_API_KEY", "test-key", 1);
  r = run({"tts", "--config", s.config(""), "--provider", "openai", "--url", server.baseUrl("auth"),
           "--text", "x", "--out", s.path("x.wav")});
  CHECK(r.exitCode == 1);
  REQUIRE(r.of("error").size() == 1);
  CHECK(r.of("error")[0]["category"] == "auth");
  CHECK_FALSE(fs::exists(s.path("x.wav")));
}
