#include "tests/dialog/OpenAiTestServer.hpp"

#include <nlohmann/json.hpp>

namespace parley::dialog::test {

using nlohmann::json;

const std::string OpenAiTestServer::kText = "Hello, wörld! Ünïcode ✓ and 日本語.";

namespace {
std::string chunk(const json& delta, const char* finish = nullptr, bool crlf = false) {
  json j{{"id", "chatcmpl-test"},
         {"object", "chat.completion.chunk"},
         {"created", 1745678496},
         {"model", "test-model"},
         {"choices", json::array({{{"index", 0},
                                   {"delta", delta},
                                   {"finish_reason", finish ? json(finish) : json(nullptr)}}})},
         {"usage", nullptr}};
  return "data: " + j.dump() + (crlf ? "\r\n\r\n" : "\n\n");
}

std::string usageChunk() {
  json j{{"id", "chatcmpl-test"},
         {"object", "chat.completion.chunk"},
         {"created", 1745678496},
         {"model", "test-model"},
         {"choices", json::array()},
         {"usage", {{"prompt_tokens", 67}, {"completion_tokens", 31}, {"total_tokens", 98}}}};
  return "data: " + j.dump() + "\n\n";
}

/// Splits `s` into pieces of `every` bytes (so boundaries fall inside lines, CRLFs and UTF-8).
std::vector<HttpTestResponse::Piece> split(const std::string& s, size_t every,
                                           uint64_t delayMs = 1) {
  std::vector<HttpTestResponse::Piece> out;
  for (size_t i = 0; i < s.size(); i += every) out.push_back({delayMs, s.substr(i, every)});
  return out;
}

HttpTestResponse sse(const std::string& body, size_t every = 7) {
  HttpTestResponse r;
  r.headers = {{"Content-Type", "text/event-stream"}};
  r.pieces = split(body, every);
  return r;
}

HttpTestResponse errorJson(int status, const std::string& message,
                           std::vector<std::pair<std::string, std::string>> extra = {}) {
  HttpTestResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  for (auto& h : extra) r.headers.push_back(h);
  json j{{"error",
          {{"message", message}, {"type", "test_error"}, {"param", nullptr}, {"code", nullptr}}}};
  r.pieces = {{0, j.dump()}};
  return r;
}

std::string textStream() {
  const std::string& t = OpenAiTestServer::kText;
  std::string s = ": keep-alive comment\n\n";
  s += chunk({{"role", "assistant"}, {"content", nullptr}});
  // Pieces of the reply, each a valid JSON string (the transport split comes later).
  s += chunk({{"content", t.substr(0, 7)}}, nullptr, true);
  s += chunk({{"content", t.substr(7, 8)}});
  s += chunk({{"content", t.substr(15)}}, nullptr, true);
  s += chunk(json::object(), "stop");
  s += usageChunk();
  s += "data: [DONE]\n\n";
  return s;
}

std::string toolStream(bool objectArguments) {
  std::string s = chunk({{"role", "assistant"}, {"content", nullptr}});
  auto call = [](int index, const char* id, const char* name, json args) {
    json c{{"index", index}, {"function", {{"arguments", args}}}};
    if (id) {
      c["id"] = id;
      c["type"] = "function";
      c["function"]["name"] = name;
    }
    return json{{"tool_calls", json::array({c})}};
  };
  if (objectArguments) {  // Ollama's drift: arguments already an object, in one fragment
    s += chunk(call(0, "call_1", "check_availability",
                    json{{"date", "2025-05-02"}, {"service", "haircut"}}));
  } else {
    const std::string args0 =
        R"({"date": "2025-05-02", "service": "haircut", "staff": "Zoë", "time": "14:30"})";
    const std::string args1 = R"({"reason": "caller asked"})";
    s += chunk(call(0, "call_PieqNSej6kM9hgYbcQdbZSaC", "check_availability", ""));
    for (size_t i = 0; i < args0.size(); i += 6)  // 13 fragments
      s += chunk(call(0, nullptr, nullptr, args0.substr(i, 6)));
    s += chunk(call(1, "call_2", "end_call", ""));
    for (size_t i = 0; i < args1.size(); i += 5)
      s += chunk(call(1, nullptr, nullptr, args1.substr(i, 5)));
  }
  s += chunk(json::object(), "tool_calls");
  s += usageChunk();
  s += "data: [DONE]\n\n";
  return s;
}
}  // namespace

OpenAiTestServer::OpenAiTestServer()
    : http_([this](const HttpTestRequest& r) { return handle(r); }) {}

std::string OpenAiTestServer::speechPcm() {
  std::string pcm;
  for (size_t i = 0; i < kSpeechSamples; ++i) {
    auto v = static_cast<int16_t>(static_cast<int>(i % 2000) - 1000);
    pcm.push_back(static_cast<char>(v & 0xFF));
    pcm.push_back(static_cast<char>((v >> 8) & 0xFF));
  }
  return pcm;
}

// POST /<scenario>/audio/speech (elevenlabs-ws.md §4): validates the body as OpenAI does (model,
// input ≤ 4096 chars, voice, response_format) and streams the 24 kHz ramp in pieces of an odd
// size, so pieces end inside samples.
HttpTestResponse OpenAiTestServer::speech(const std::string& scenario, const HttpTestRequest& req) {
  if (scenario == "auth" || req.header("authorization") == "Bearer bad-key")
    return errorJson(401, "Incorrect API key provided: sk-…");
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("model") || !body["model"].is_string() ||
      !body.contains("voice") || !body["voice"].is_string() || !body.contains("input") ||
      !body["input"].is_string() || body["input"].get<std::string>().empty())
    return errorJson(400, "Invalid request: model, input and voice are required");
  if (body["input"].get<std::string>().size() > 4096)
    return errorJson(400, "string too long. Expected a string with maximum length 4096");
  if (body.value("response_format", "mp3") != "pcm")
    return errorJson(400, "this test peer only serves response_format pcm");
  if (scenario == "quota") return errorJson(429, "You exceeded your current quota");
  if (scenario == "bad-request") return errorJson(400, "Invalid voice");
  if (scenario == "always-500") return errorJson(500, "The server had an error");
  if (scenario == "ratelimit" && speechRateLimitCalls_++ == 0)
    return errorJson(429, "Rate limit reached for requests", {{"retry-after-ms", "30"}});
  HttpTestResponse r;
  r.headers = {{"Content-Type", "audio/pcm"}};
  if (scenario == "hang") {
    r.ending = HttpTestResponse::Ending::Hang;  // headers, then silence: first-byte timeout
    return r;
  }
  uint64_t delay = scenario == "slow" ? 200 : scenario == "instant" ? 0 : 2;
  r.pieces = split(speechPcm(), 1001, delay);  // odd size: splits samples
  if (scenario == "cut") {
    r.pieces.resize(2);
    r.ending = HttpTestResponse::Ending::Cut;
  }
  return r;
}

HttpTestResponse OpenAiTestServer::handle(const HttpTestRequest& req) {
  std::string path = req.path;
  size_t slash = path.find('/', 1);
  std::string scenario = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  std::string rest = slash == std::string::npos ? "" : path.substr(slash);

  if (rest == "/audio/speech") return speech(scenario, req);
  if (rest != "/chat/completions") return errorJson(404, "not found");
  if (req.header("authorization") == "Bearer bad-key")
    return errorJson(401, "Incorrect API key provided: bad-key.");

  if (scenario == "text") return sse(textStream());
  if (scenario == "text-lf-split-1") return sse(textStream(), 1);  // one byte per write
  if (scenario == "instant") {  // no delays between pieces: for scripts/bench-providers
    auto r = sse(textStream(), 64);
    for (auto& p : r.pieces) p.delayMs = 0;
    return r;
  }
  if (scenario == "tools") return sse(toolStream(false), 11);
  if (scenario == "ollama-tools") return sse(toolStream(true));
  if (scenario == "ratelimit") {
    if (rateLimitCalls_++ == 0)
      return errorJson(429, "Rate limit reached for requests", {{"retry-after-ms", "30"}});
    return sse(textStream());
  }
  if (scenario == "ratelimit-seconds") {
    if (rateLimitSecondsCalls_++ == 0)
      return errorJson(429, "Rate limit reached", {{"retry-after", "0"}});
    return sse(textStream());
  }
  if (scenario == "quota") return errorJson(429, "You exceeded your current quota");
  if (scenario == "server-error") {
    if (serverErrorCalls_++ == 0) return errorJson(500, "The server had an error");
    return sse(textStream());
  }
  if (scenario == "always-500") return errorJson(500, "The server had an error");
  if (scenario == "bad-request") return errorJson(400, "Invalid value for 'tool_choice'");
  if (scenario == "cut") {
    auto r = sse(chunk({{"role", "assistant"}}) + chunk({{"content", "Partial "}}) +
                 chunk({{"content", "reply"}}) + "data: {\"id\":\"chatcmpl-test\",\"obj");
    r.ending = HttpTestResponse::Ending::Cut;
    return r;
  }
  if (scenario == "malformed") {
    return sse(chunk({{"content", "ok "}}) +
               "data: {\"choices\": [{\"delta\": {\"content\": \"x\"\n\n" +
               chunk({{"content", "never"}}) + "data: [DONE]\n\n");
  }
  if (scenario == "error-event") {
    return sse(
        "data: {\"error\":{\"message\":\"The engine is currently overloaded\",\"type\":"
        "\"server_error\"}}\n\n");
  }
  if (scenario == "slow") {
    HttpTestResponse r;
    r.headers = {{"Content-Type", "text/event-stream"}};
    r.pieces = {{0, ": still thinking\n\n"}};
    r.ending = HttpTestResponse::Ending::Hang;
    return r;
  }
  if (scenario == "hang-mid") {
    auto r = sse(chunk({{"role", "assistant"}}) + chunk({{"content", "Let me check"}}), 1000);
    r.ending = HttpTestResponse::Ending::Hang;
    return r;
  }
  if (scenario == "no-done") return sse(chunk({{"content", "Hi"}}) + chunk(json::object(), "stop"));
  return errorJson(404, "unknown scenario " + scenario);
}

}  // namespace parley::dialog::test
