#include "agent/cli/ProviderCommands.hpp"

#include <unistd.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "agent/WorkerConfig.hpp"
#include "core/Clock.hpp"
#include "core/Error.hpp"
#include "core/Timer.hpp"
#include "dialog/llm/OpenAiChatClient.hpp"
#include "dialog/net/CurlMulti.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "dialog/stt/DeepgramStt.hpp"
#include "dialog/tts/ElevenLabsTts.hpp"
#include "dialog/tts/OpenAiSpeechTts.hpp"
#include "media/Resampler.hpp"
#include "media/WavFile.hpp"
#include "media/codec/G711Codec.hpp"
#include "tools/BookingTools.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

namespace parley::agent {
namespace {

using nlohmann::json;
using namespace parley::dialog;

constexpr int kExitProviderError = 1;
constexpr int kSttFrameMs = 20;           // what a call leg pushes: one media frame
constexpr int kPushTickMs = 1;            // audio is pushed from a 1 ms timer, not in one burst
constexpr double kDefaultTimeoutS = 120;  // a whole check; real providers answer in seconds

struct Options {
  std::string configFile;
  std::string provider;
  std::string url;
  std::string model;
  std::string voice;
  std::string language;
  std::string in;
  std::string out;
  std::string text;
  std::string tenant;
  std::string system;
  std::string toolChoice = "auto";
  std::string format;
  double speed = 0;  // stt: audio pace × real time; 0 = as fast as the loop takes it
  double timeoutS = kDefaultTimeoutS;
};

/// The client side of one check: a private libuv loop run on this thread until done.
class Loop {
 public:
  Loop() { uv_loop_init(&loop_); }
  ~Loop() {
    for (int i = 0; i < 1000 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; ++i) {
    }
    uv_loop_close(&loop_);
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  uv_loop_t* get() { return &loop_; }
  /// Runs until `done()` or `timeoutS` passed; returns done().
  bool runUntil(const std::function<bool()>& done, double timeoutS) {
    core::Timer tick(&loop_, [] {});
    tick.start(5, 5);  // wakes UV_RUN_ONCE so the deadline is checked
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(timeoutS * 1000));
    while (!done() && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
    tick.stop();
    return done();
  }

 private:
  uv_loop_t loop_{};
};

json errorEvent(const ProviderError& e, bool fatal = true) {
  json j{{"event", "error"},
         {"category", categoryName(e.category)},
         {"retryable", e.retryable},
         {"fatal", fatal},
         {"message", e.message}};
  if (e.httpStatus) j["http_status"] = e.httpStatus;
  if (e.closeCode) j["close_code"] = e.closeCode;
  return j;
}

void emit(std::ostream& out, const json& j) {
  out << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n" << std::flush;
}

json timeoutEvent(double seconds) {
  return {{"event", "error"},
          {"category", "timeout"},
          {"retryable", true},
          {"fatal", true},
          {"message",
           "no answer within " + std::to_string(static_cast<int>(seconds)) + " s (--timeout)"}};
}

WorkerSettings loadSettings(const Options& o) {
  std::optional<std::filesystem::path> file;
  if (!o.configFile.empty()) {
    file = o.configFile;
  } else {
    file = defaultConfigPath();
  }
  return loadWorkerSettings(file);
}

template <typename F>
int guarded(std::ostream& err, F&& body) {
  try {
    return body();
  } catch (const core::ConfigError& e) {
    err << "parley: " << e.what() << "\n";
    return 2;
  } catch (const core::UsageError& e) {
    err << "parley: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "parley: " << e.what() << "\n";
    return 1;
  }
}

/// Shuts the websocket context down and runs the loop until lws let go of it.
void closeContext(Loop& loop, std::unique_ptr<WsClientContext>& ctx) {
  ctx->shutdown();
  loop.runUntil([&] { return ctx->closed(); }, 5);
  ctx.reset();
}

// ---- stt ---------------------------------------------------------------------------------

/// Mono s16 at 16 kHz (or 8 kHz when the file is 8 kHz), what Deepgram is configured for.
media::PcmAudio monoForStt(const media::PcmAudio& in) {
  media::PcmAudio mono{.sampleRate = in.sampleRate, .channels = 1, .samples = {}};
  mono.samples.reserve(in.frames());
  for (size_t f = 0; f < in.frames(); ++f) {
    int sum = 0;
    for (int c = 0; c < in.channels; ++c) sum += in.samples[f * in.channels + c];
    mono.samples.push_back(static_cast<int16_t>(sum / in.channels));
  }
  if (mono.sampleRate == 8000 || mono.sampleRate == 16000) return mono;
  media::Resampler r(mono.sampleRate, 16000, 1);
  media::PcmAudio out{.sampleRate = 16000, .channels = 1, .samples = {}};
  out.samples.resize(r.maxOutput(mono.samples.size()));
  out.samples.resize(r.process(mono.samples, out.samples));
  return out;
}

struct SttPrinter final : SttListener {
  std::ostream& out;
  bool connected = false;
  bool closed = false;
  bool fatal = false;
  explicit SttPrinter(std::ostream& o) : out(o) {}
  void onSttConnected(const SttConnected& c) override {
    connected = true;
    emit(out, {{"event", "connected"},
               {"request_id", c.requestId},
               {"connect_ms", c.connectMs},
               {"reconnects", c.reconnects}});
  }
  void onSttTranscript(const SttTranscript& t) override {
    json words = json::array();
    for (const auto& w : t.words)
      words.push_back({{"word", w.punctuated},
                       {"start", w.startS},
                       {"end", w.endS},
                       {"confidence", w.confidence}});
    json j{{"event", "transcript"},
           {"final", t.isFinal},
           {"speech_final", t.speechFinal},
           {"text", t.text},
           {"start", t.startS},
           {"duration", t.durationS},
           {"confidence", t.confidence},
           {"words", words}};
    if (t.fromFinalize) j["from_finalize"] = true;
    if (t.isFinal) j["latency_ms"] = t.latencyMs;
    emit(out, j);
  }
  void onSttSpeechStarted(double ts) override {
    emit(out, {{"event", "speech_started"}, {"timestamp", ts}});
  }
  void onSttUtteranceEnd(double end) override {
    emit(out, {{"event", "utterance_end"}, {"last_word_end", end}});
  }
  void onSttReconnecting(const ProviderError& why, uint64_t delayMs) override {
    emit(out, {{"event", "reconnecting"},
               {"category", categoryName(why.category)},
               {"message", why.message},
               {"delay_ms", delayMs}});
  }
  void onSttError(const ProviderError& e, bool isFatal) override {
    emit(out, errorEvent(e, isFatal));
    if (isFatal) fatal = true;
  }
  void onSttClosed() override {
    closed = true;
    emit(out, {{"event", "closed"}});
  }
};

int runStt(const Options& o, std::ostream& out) {
  if (!o.provider.empty() && o.provider != "deepgram")
    throw core::UsageError("--provider must be deepgram (the only STT wire protocol), got '" +
                           o.provider + "'");
  auto settings = loadSettings(o);
  const auto& cfg = settings.raw;
  auto audio = monoForStt(media::WavFile::read(o.in));
  DeepgramConfig dg;
  dg.url = o.url.empty() ? cfg.getString("providers.deepgram.url") : o.url;
  dg.apiKey = cfg.getString("providers.deepgram.api_key");
  dg.model = o.model.empty() ? cfg.getString("providers.deepgram.model") : o.model;
  dg.language = o.language.empty() ? cfg.getString("providers.deepgram.language") : o.language;
  dg.sampleRate = audio.sampleRate;
  // A file is transcribed to its end: after CloseStream, wait for the server's last results as
  // long as --timeout allows (a slow or loaded server may be well behind the audio we pushed).
  dg.closeTimeoutMs = static_cast<uint64_t>(o.timeoutS * 1000);

  Loop loop;
  auto ctx = std::make_unique<WsClientContext>(loop.get());
  SttPrinter printer(out);
  auto stt = std::make_unique<DeepgramStt>(*ctx, dg, printer);
  const size_t frame = static_cast<size_t>(audio.sampleRate * kSttFrameMs / 1000);
  size_t pos = 0;
  bool ended = false;
  std::optional<std::chrono::steady_clock::time_point> started;  // first audio pushed
  core::Timer pusher(loop.get(), [&] {
    // Audio flows once the socket is up, so a refused key does not look like lost audio.
    if (ended || printer.fatal || !printer.connected) return;
    if (!started) started = std::chrono::steady_clock::now();
    // As fast as the loop goes (speed 0: 5 frames per tick), or paced at `speed` × real time.
    size_t due = audio.samples.size();
    if (o.speed > 0) {
      double elapsedS =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - *started).count();
      due = std::min(due, static_cast<size_t>(elapsedS * o.speed * audio.sampleRate));
    } else {
      due = std::min(due, pos + 5 * frame);
    }
    while (pos + frame <= due || (pos < due && due == audio.samples.size())) {
      size_t n = std::min(frame, audio.samples.size() - pos);
      stt->pushAudio(std::span<const int16_t>(audio.samples).subspan(pos, n));
      pos += n;
    }
    if (pos >= audio.samples.size()) {
      ended = true;
      stt->finalize();
      stt->close();  // CloseStream: the last results and Metadata, then the server closes
    }
  });
  stt->start();
  pusher.start(kPushTickMs, kPushTickMs);
  bool finished = loop.runUntil([&] { return printer.closed || printer.fatal; }, o.timeoutS);
  pusher.stop();
  if (!finished) emit(out, timeoutEvent(o.timeoutS));
  stt.reset();
  closeContext(loop, ctx);
  return printer.closed && !printer.fatal ? 0 : kExitProviderError;
}

// ---- llm ---------------------------------------------------------------------------------

struct LlmPrinter final : LlmListener {
  std::ostream& out;
  bool done = false;
  bool failed = false;
  explicit LlmPrinter(std::ostream& o) : out(o) {}
  void onLlmText(std::string_view delta) override {
    emit(out, {{"event", "text"}, {"delta", std::string(delta)}});
  }
  void onLlmToolCalls(const std::vector<ToolCall>& calls) override {
    json arr = json::array();
    for (const auto& c : calls) {
      json args = json::parse(c.arguments, nullptr, false);
      arr.push_back({{"id", c.id},
                     {"name", c.name},
                     {"arguments", c.arguments},
                     {"arguments_valid_json", !args.is_discarded()}});
    }
    emit(out, {{"event", "tool_calls"}, {"calls", arr}});
  }
  void onLlmDone(const LlmDone& d) override {
    json j{{"event", "done"},
           {"finish_reason", d.finishReason},
           {"ttft_ms", d.timeToFirstTokenMs},
           {"attempts", d.attempts}};
    if (d.usage)
      j["usage"] = {{"prompt_tokens", d.usage->promptTokens},
                    {"completion_tokens", d.usage->completionTokens},
                    {"total_tokens", d.usage->totalTokens}};
    emit(out, j);
    done = true;
  }
  void onLlmError(const ProviderError& e) override {
    emit(out, errorEvent(e));
    failed = true;
  }
};

/// The system prompt and tools a call for `tenantId` would use.
void addTenant(const Options& o, const WorkerSettings& settings, ChatRequest& request) {
  auto dir = tools::TenantDirectory::loadDir(settings.tenantsDir);
  auto tenant = dir.byId(o.tenant);
  if (!tenant) {
    std::string known;
    for (const auto& t : dir.all()) known += (known.empty() ? "" : ", ") + t->id;
    throw core::UsageError("unknown tenant '" + o.tenant + "' in " + settings.tenantsDir.string() +
                           " (known: " + known + ")");
  }
  if (o.system.empty() && !tenant->systemPrompt.empty()) {
    ChatMessage system;
    system.role = "system";
    system.content = tenant->systemPrompt;
    request.messages.insert(request.messages.begin(), std::move(system));
  }
  auto store = std::make_shared<tools::SqliteBookingStore>(settings.dataDir / tenant->booking.path);
  auto registry = tools::makeBookingTools(tenant, store, core::SystemClock::instance(),
                                          {"cli-" + std::to_string(getpid()), ""});
  for (const auto& t : registry->openAiTools()) {
    const auto& fn = t.at("function");
    request.tools.push_back({.name = fn.value("name", ""),
                             .description = fn.value("description", ""),
                             .parametersJson = fn.contains("parameters")
                                                   ? fn["parameters"].dump()
                                                   : R"({"type":"object","properties":{}})"});
  }
}

int runLlm(const Options& o, std::ostream& out) {
  auto settings = loadSettings(o);
  const auto& cfg = settings.raw;
  OpenAiChatConfig c;
  c.baseUrl = o.url.empty() ? cfg.getString("providers.openai.base_url") : o.url;
  c.apiKey = cfg.getString("providers.openai.api_key");
  c.model = o.model.empty() ? cfg.getString("providers.openai.model") : o.model;
  ChatRequest request;
  if (!o.system.empty()) request.messages.push_back({.role = "system", .content = o.system});
  request.messages.push_back({.role = "user", .content = o.text});
  if (!o.tenant.empty()) {
    addTenant(o, settings, request);
    request.toolChoice = o.toolChoice;
  }

  Loop loop;
  LlmPrinter printer(out);
  {
    CurlMulti multi(loop.get());
    OpenAiChatClient client(multi, c);
    auto stream = client.stream(request, printer);
    if (!loop.runUntil([&] { return printer.done || printer.failed; }, o.timeoutS)) {
      emit(out, timeoutEvent(o.timeoutS));
      printer.failed = true;
    }
  }
  return printer.done ? 0 : kExitProviderError;
}

// ---- tts ---------------------------------------------------------------------------------

struct TtsCollector final : TtsListener {
  std::ostream& out;
  std::vector<uint8_t> bytes;
  double ttfbMs = 0;
  bool done = false;
  bool failed = false;
  explicit TtsCollector(std::ostream& o) : out(o) {}
  void onTtsAudio(std::span<const uint8_t> b, double ttfb) override {
    if (ttfb > 0) {
      ttfbMs = ttfb;
      emit(out, {{"event", "first_audio"}, {"ttfb_ms", ttfb}});
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  void onTtsWords(const std::vector<TtsWordTiming>& words) override {
    json arr = json::array();
    for (const auto& w : words)
      arr.push_back({{"word", w.word}, {"start_ms", w.startMs}, {"end_ms", w.endMs}});
    emit(out, {{"event", "words"}, {"words", arr}});
  }
  void onTtsDone() override { done = true; }
  void onTtsError(const ProviderError& e) override {
    emit(out, errorEvent(e));
    failed = true;
  }
};

/// The collected audio as s16 samples at `rate` (µ-law is decoded to 16 kHz).
media::PcmAudio toPcm(const std::vector<uint8_t>& bytes, TtsEncoding encoding, int rate) {
  media::PcmAudio pcm{.sampleRate = rate, .channels = 1, .samples = {}};
  if (encoding == TtsEncoding::Pcm16) {
    pcm.samples.resize(bytes.size() / 2);
    for (size_t i = 0; i < pcm.samples.size(); ++i)
      pcm.samples[i] = static_cast<int16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
    return pcm;
  }
  media::G711Decoder decoder(media::G711Law::Ulaw);
  pcm.sampleRate = 16000;
  std::vector<int16_t> block(media::G711Decoder::kMaxPayload * 2);
  for (size_t i = 0; i < bytes.size(); i += media::G711Decoder::kMaxPayload) {
    size_t n = std::min(media::G711Decoder::kMaxPayload, bytes.size() - i);
    int got = decoder.decode(std::span<const uint8_t>(bytes).subspan(i, n), block);
    if (got > 0) pcm.samples.insert(pcm.samples.end(), block.begin(), block.begin() + got);
  }
  return pcm;
}

int runTts(const Options& o, std::ostream& out) {
  if (o.provider != "elevenlabs" && o.provider != "openai")
    throw core::UsageError("--provider must be elevenlabs or openai, got '" + o.provider + "'");
  auto settings = loadSettings(o);
  const auto& cfg = settings.raw;
  Loop loop;
  TtsCollector collector(out);
  std::unique_ptr<WsClientContext> ctx;
  std::unique_ptr<CurlMulti> multi;
  std::unique_ptr<TtsStream> tts;
  if (o.provider == "elevenlabs") {
    ElevenLabsConfig c;
    c.url = o.url.empty() ? cfg.getString("providers.elevenlabs.url") : o.url;
    c.apiKey = cfg.getString("providers.elevenlabs.api_key");
    c.voiceId = o.voice.empty() ? cfg.getString("providers.elevenlabs.voice_id") : o.voice;
    c.modelId = o.model.empty() ? cfg.getString("providers.elevenlabs.model_id") : o.model;
    if (!o.format.empty()) c.outputFormat = o.format;
    ctx = std::make_unique<WsClientContext>(loop.get());
    tts = std::make_unique<ElevenLabsTts>(*ctx, c, collector);
  } else {
    OpenAiSpeechConfig c;
    std::string base = cfg.getString("providers.openai.tts_base_url");
    if (base.empty()) base = cfg.getString("providers.openai.base_url");
    c.baseUrl = o.url.empty() ? base : o.url;
    c.apiKey = cfg.getString("providers.openai.api_key");
    c.model = o.model.empty() ? cfg.getString("providers.openai.tts_model") : o.model;
    c.voice = o.voice.empty() ? cfg.getString("providers.openai.tts_voice") : o.voice;
    multi = std::make_unique<CurlMulti>(loop.get());
    tts = std::make_unique<OpenAiSpeechTts>(*multi, c, collector);
  }
  tts->start();
  tts->pushText(o.text);
  tts->flush();
  if (!loop.runUntil([&] { return collector.done || collector.failed; }, o.timeoutS)) {
    emit(out, timeoutEvent(o.timeoutS));
    collector.failed = true;
  }
  TtsEncoding encoding = tts->encoding();
  int rate = tts->audioSampleRate();
  tts.reset();
  multi.reset();
  if (ctx) closeContext(loop, ctx);
  if (!collector.done) return kExitProviderError;
  auto pcm = toPcm(collector.bytes, encoding, rate);
  media::WavFile::write(o.out, pcm);
  emit(out, {{"event", "done"},
             {"ttfb_ms", collector.ttfbMs},
             {"sample_rate", pcm.sampleRate},
             {"samples", pcm.samples.size()},
             {"seconds", pcm.seconds()},
             {"out", o.out}});
  return 0;
}

void addCommon(CLI::App& cmd, Options& o) {
  cmd.add_option("--config", o.configFile,
                 "Worker config file (default: $PARLEY_CONFIG, else ./config/parley.yaml)");
  cmd.add_option("--timeout", o.timeoutS, "Give up after this many seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

}  // namespace

void addProviderCommands(CLI::App& app, int& exitCode, std::ostream& out, std::ostream& err) {
  auto o = std::make_shared<Options>();

  auto* stt = app.add_subcommand("stt", "Transcribe a WAV file with the configured STT provider");
  addCommon(*stt, *o);
  stt->add_option("--provider", o->provider, "deepgram (also Parley's local STT server)");
  stt->add_option("--url", o->url, "Websocket URL (default providers.deepgram.url)");
  stt->add_option("--model", o->model, "Model (default providers.deepgram.model)");
  stt->add_option("--language", o->language, "Language (default providers.deepgram.language)");
  stt->add_option("--in,--wav", o->in, "WAV file (any rate/channels; sent as 16 kHz mono)")
      ->required()
      ->check(CLI::ExistingFile);
  stt->add_option("--speed", o->speed, "Audio pace × real time; 0 = as fast as possible")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  stt->callback(
      [o, &exitCode, &out, &err] { exitCode = guarded(err, [&] { return runStt(*o, out); }); });

  auto* llm = app.add_subcommand("llm", "Stream one reply from the OpenAI-compatible LLM");
  addCommon(*llm, *o);
  llm->add_option("--base-url,--url", o->url, "Base URL (default providers.openai.base_url)");
  llm->add_option("--model", o->model, "Model (default providers.openai.model)");
  llm->add_option("--say,--prompt", o->text, "The caller's words")->required();
  llm->add_option("--system", o->system, "System prompt (default: the tenant's)");
  llm->add_option("--tenant", o->tenant, "Offer this tenant's booking tools and prompt");
  llm->add_option("--tool-choice", o->toolChoice, "auto | none | required | a tool name")
      ->capture_default_str();
  llm->callback(
      [o, &exitCode, &out, &err] { exitCode = guarded(err, [&] { return runLlm(*o, out); }); });

  auto* tts = app.add_subcommand("tts", "Synthesise text with a TTS provider into a WAV file");
  addCommon(*tts, *o);
  tts->add_option("--provider", o->provider, "elevenlabs | openai")->required();
  tts->add_option("--url", o->url,
                  "elevenlabs: websocket URL with {voice}; openai: base URL (default from config)");
  tts->add_option("--voice", o->voice, "Voice id / name (default from config)");
  tts->add_option("--model", o->model, "Model (default from config)");
  tts->add_option("--format", o->format,
                  "elevenlabs output_format: pcm_16000, pcm_24000, ulaw_8000");
  tts->add_option("--text", o->text, "Text to speak")->required();
  tts->add_option("--out", o->out, "WAV file to write (16-bit mono)")->required();
  tts->callback(
      [o, &exitCode, &out, &err] { exitCode = guarded(err, [&] { return runTts(*o, out); }); });
}

void addProviderCommands(CLI::App& app, int& exitCode) {
  addProviderCommands(app, exitCode, std::cout, std::cerr);
}

}  // namespace parley::agent
