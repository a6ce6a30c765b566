#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dialog/llm/ChatChunk.hpp"
#include "dialog/llm/OpenAiChatClient.hpp"
#include "dialog/llm/ToolCallAssembler.hpp"
#include "tests/dialog/OpenAiTestServer.hpp"
#include "tests/dialog/TestLoop.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;

namespace {
struct Recorder : LlmListener {
  std::string text;
  std::vector<std::string> deltas;
  std::vector<ToolCall> calls;
  int toolEvents = 0;
  std::optional<LlmDone> done;
  std::optional<ProviderError> error;
  std::unique_ptr<LlmStream>* cancelOnText = nullptr;
  void onLlmText(std::string_view d) override {
    text += d;
    deltas.emplace_back(d);
    if (cancelOnText) cancelOnText->reset();  // barge-in from inside the callback
  }
  void onLlmToolCalls(const std::vector<ToolCall>& c) override {
    calls = c;
    ++toolEvents;
  }
  void onLlmDone(const LlmDone& d) override { done = d; }
  void onLlmError(const ProviderError& e) override { error = e; }
  bool finished() const { return done || error; }
};

struct Fixture {
  OpenAiTestServer server;
  TestLoop loop;
  CurlMulti multi{loop.get()};
  parley::core::MetricsRegistry metrics;

  OpenAiChatConfig config(const std::string& scenario) {
    OpenAiChatConfig c;
    c.baseUrl = server.baseUrl(scenario);
    c.model = "test-model";
    c.apiKey = "test-key";
    c.retryInitialMs = 10;
    c.retryMaxMs = 20;
    c.firstTokenTimeoutMs = 5000;
    return c;
  }
  ChatRequest request() {
    ChatRequest r;
    r.messages = {{.role = "system", .content = "You book appointments."},
                  {.role = "user", .content = "Can I come Friday?"}};
    r.tools = {{.name = "check_availability",
                .description = "Free slots",
                .parametersJson = R"({"type":"object","properties":{"date":{"type":"string"}}})"}};
    r.toolChoice = "auto";
    r.temperature = 0.2;
    r.maxTokens = 200;
    return r;
  }
  Recorder run(const std::string& scenario, OpenAiChatConfig c) {
    OpenAiChatClient client(multi, std::move(c), metrics);
    Recorder rec;
    auto s = client.stream(request(), rec);
    loop.runUntil([&] { return rec.finished(); });
    CHECK_FALSE(s->active());
    (void)scenario;
    return rec;
  }
  Recorder run(const std::string& scenario) { return run(scenario, config(scenario)); }
};
}  // namespace

TEST_CASE("chat stream: text deltas with UTF-8 and CRLF split across reads, usage, [DONE]") {
  Fixture f;
  for (const char* scenario : {"text", "text-lf-split-1"}) {
    std::string name = scenario;
    CAPTURE(name);
    Recorder r = f.run(scenario);
    REQUIRE(r.done);
    CHECK_FALSE(r.error);
    CHECK(r.text == OpenAiTestServer::kText);
    CHECK(r.deltas.size() == 3);
    CHECK(r.done->finishReason == "stop");
    REQUIRE(r.done->usage);
    CHECK(r.done->usage->totalTokens == 98);
    CHECK(r.done->attempts == 1);
    CHECK(r.done->timeToFirstTokenMs > 0);
  }
  auto reqs = f.server.requests();
  REQUIRE(!reqs.empty());
  CHECK(reqs[0].header("authorization") == "Bearer test-key");
  auto body = nlohmann::json::parse(reqs[0].body);
  CHECK(body["stream"] == true);
  CHECK(body["stream_options"]["include_usage"] == true);
  CHECK(body["model"] == "test-model");
  CHECK(body["tool_choice"] == "auto");
  CHECK(body["max_tokens"] == 200);
  CHECK(body["tools"][0]["function"]["parameters"]["properties"]["date"]["type"] == "string");
  CHECK(body["messages"][1]["content"] == "Can I come Friday?");
}

TEST_CASE("chat stream: tool-call arguments split over 10+ chunks are assembled by index") {
  Fixture f;
  Recorder r = f.run("tools");
  REQUIRE(r.done);
  CHECK(r.done->finishReason == "tool_calls");
  CHECK(r.toolEvents == 1);
  REQUIRE(r.calls.size() == 2);
  CHECK(r.calls[0].id == "call_PieqNSej6kM9hgYbcQdbZSaC");
  CHECK(r.calls[0].name == "check_availability");
  auto args = nlohmann::json::parse(r.calls[0].arguments);
  CHECK(args["staff"] == "Zoë");
  CHECK(args["time"] == "14:30");
  CHECK(r.calls[1].name == "end_call");
  CHECK(nlohmann::json::parse(r.calls[1].arguments)["reason"] == "caller asked");
  CHECK(r.text.empty());
}

TEST_CASE("chat stream: Ollama-style object arguments are accepted") {
  Fixture f;
  Recorder r = f.run("ollama-tools");
  REQUIRE(r.calls.size() == 1);
  CHECK(nlohmann::json::parse(r.calls[0].arguments)["service"] == "haircut");
}

TEST_CASE("chat stream: 429 with retry-after-ms, and 500, are retried then succeed") {
  Fixture f;
  for (const char* scenario : {"ratelimit", "ratelimit-seconds", "server-error"}) {
    std::string name = scenario;
    CAPTURE(name);
    Recorder r = f.run(scenario);
    REQUIRE(r.done);
    CHECK(r.done->attempts == 2);
    CHECK(r.text == OpenAiTestServer::kText);
  }
}

TEST_CASE("chat stream: permanent and exhausted errors carry category and retryability") {
  Fixture f;
  {
    auto c = f.config("text");
    c.apiKey = "bad-key";
    Recorder r = f.run("text", c);
    REQUIRE(r.error);
    CHECK(r.error->category == ErrorCategory::Auth);
    CHECK(r.error->httpStatus == 401);
    CHECK_FALSE(r.error->retryable);
    CHECK(r.error->message.find("Incorrect API key") != std::string::npos);
  }
  {
    Recorder r = f.run("quota");
    REQUIRE(r.error);
    CHECK(r.error->category == ErrorCategory::RateLimit);
    CHECK_FALSE(r.error->retryable);
  }
  {
    Recorder r = f.run("bad-request");
    REQUIRE(r.error);
    CHECK(r.error->category == ErrorCategory::BadRequest);
  }
  {
    Recorder r = f.run("always-500");
    REQUIRE(r.error);
    CHECK(r.error->category == ErrorCategory::Server);
    CHECK(r.error->retryable);
    CHECK(f.server.requests().size() >= 3);  // first try + 2 retries
  }
  {
    auto c = f.config("text");
    c.baseUrl = "http://127.0.0.1:1/v1";  // nothing listens on port 1
    c.maxRetries = 0;
    Recorder r = f.run("text", c);
    REQUIRE(r.error);
    CHECK(r.error->category == ErrorCategory::Connectivity);
    CHECK(r.error->retryable);
  }
}

TEST_CASE("chat stream: socket closed mid-stream gives a retryable connectivity error") {
  Fixture f;
  Recorder r = f.run("cut");
  CHECK(r.text == "Partial reply");
  REQUIRE(r.error);
  CHECK(r.error->category == ErrorCategory::Connectivity);
  CHECK(r.error->retryable);
  Recorder n = f.run("no-done");
  REQUIRE(n.error);
  CHECK(n.error->category == ErrorCategory::Connectivity);
}

TEST_CASE("chat stream: malformed JSON line and mid-stream error object are typed errors") {
  Fixture f;
  Recorder r = f.run("malformed");
  CHECK(r.text == "ok ");
  REQUIRE(r.error);
  CHECK(r.error->category == ErrorCategory::Server);
  auto c = f.config("error-event");
  c.maxRetries = 0;
  Recorder e = f.run("error-event", c);
  REQUIRE(e.error);
  CHECK(e.error->message.find("overloaded") != std::string::npos);
  CHECK(e.error->retryable);
}

TEST_CASE("chat stream: a slow first token times out") {
  Fixture f;
  auto c = f.config("slow");
  c.firstTokenTimeoutMs = 100;
  c.maxRetries = 0;
  Recorder r = f.run("slow", c);
  REQUIRE(r.error);
  CHECK(r.error->category == ErrorCategory::Timeout);
  CHECK(r.error->retryable);
  CHECK(f.multi.activeTransfers() == 0);
}

TEST_CASE("chat stream: cancel in the middle frees the transfer and reports nothing more") {
  Fixture f;
  OpenAiChatClient client(f.multi, f.config("hang-mid"), f.metrics);
  Recorder rec;
  auto s = client.stream(f.request(), rec);
  REQUIRE(f.loop.runUntil([&] { return !rec.text.empty(); }));
  CHECK(f.multi.activeTransfers() == 1);
  s->cancel();
  CHECK(f.multi.activeTransfers() == 0);
  f.loop.runFor(50);
  CHECK_FALSE(rec.finished());
  // Destroying the stream from inside onLlmText (barge-in) is safe too.
  Recorder rec2;
  auto s2 = client.stream(f.request(), rec2);
  rec2.cancelOnText = &s2;
  REQUIRE(f.loop.runUntil([&] { return !rec2.text.empty(); }));
  f.loop.runFor(20);
  CHECK(s2 == nullptr);
  CHECK(f.multi.activeTransfers() == 0);
  CHECK_FALSE(rec2.finished());
}

TEST_CASE("ChatChunk::parse tolerates drift and rejects garbage") {
  CHECK(ChatChunk::parse("[DONE]")->done);
  auto u =
      ChatChunk::parse(R"({"choices":null,"usage":{"prompt_tokens":1,"completion_tokens":2}})");
  REQUIRE(u);
  CHECK(u->usage->totalTokens == 3);
  CHECK_FALSE(ChatChunk::parse("{"));
  CHECK_FALSE(ChatChunk::parse("[1,2]"));
  CHECK_FALSE(ChatChunk::parse(R"({"choices":[{"delta":{"tool_calls":[{"index":999}]}}]})"));
  CHECK_FALSE(ChatChunk::parse(R"({"choices":"x"})"));
  auto e = ChatChunk::parse(R"({"error":{"message":"boom"}})");
  REQUIRE(e);
  CHECK(e->error == "boom");
  ToolCallAssembler a;
  CHECK(a.add({.index = 0, .id = "c", .name = "f", .arguments = "{"}));
  CHECK(a.add({.index = 0, .arguments = "}"}));
  CHECK(a.calls()[0].arguments == "{}");
  CHECK_FALSE(
      a.add({.index = 0, .arguments = std::string(ToolCallAssembler::kMaxArgumentBytes, 'x')}));
}
