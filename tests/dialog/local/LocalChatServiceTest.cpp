// The real OpenAI chat client (issue 5) against the local policy endpoint on loopback.
#include <curl/curl.h>
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "dialog/llm/OpenAiChatClient.hpp"
#include "dialog/local/LocalChatService.hpp"
#include "tests/dialog/TestLoop.hpp"
#include "tests/dialog/local/PolicyHarness.hpp"

using namespace parley;
using namespace parley::dialog;
using namespace parley::dialog::local;
using nlohmann::json;

namespace {

struct Recorder : LlmListener {
  std::string text;
  int textDeltas = 0;
  std::vector<ToolCall> calls;
  std::optional<LlmDone> done;
  std::optional<ProviderError> error;
  void onLlmText(std::string_view d) override {
    text += d;
    ++textDeltas;
  }
  void onLlmToolCalls(const std::vector<ToolCall>& c) override { calls = c; }
  void onLlmDone(const LlmDone& d) override { done = d; }
  void onLlmError(const ProviderError& e) override { error = e; }
};

/// The local chat server on the test loop, a real client, and the real booking tools.
struct ChatFixture {
  dialog::test::TestLoop loop;
  local::test::PolicyHarness harness;  ///< store, clock, registry (its policy is unused here)
  LocalChatService service{tools::test::demoTenant(), harness.clock};
  std::unique_ptr<LocalServer> server =
      std::make_unique<LocalServer>(loop.get(), service, "127.0.0.1", 0);
  CurlMulti multi{loop.get()};
  core::MetricsRegistry metrics;
  OpenAiChatClient client{multi, config(), metrics};
  ChatRequest request;

  ChatFixture() {
    request.messages.push_back({.role = "system", .content = "You are the receptionist."});
    for (const auto& t : harness.registry->openAiTools())
      request.tools.push_back({.name = t["function"]["name"],
                               .description = t["function"]["description"],
                               .parametersJson = t["function"]["parameters"].dump()});
    request.toolChoice = "auto";
  }
  ~ChatFixture() {
    server->close();
    loop.runFor(20);
    server.reset();
  }
  OpenAiChatConfig config() const {
    OpenAiChatConfig c;
    c.baseUrl = "http://127.0.0.1:" + std::to_string(server->port()) + "/v1";
    c.model = "parley-booking:demo";
    c.maxRetries = 0;
    return c;
  }
  Recorder ask() {
    Recorder r;
    auto s = client.stream(request, r);
    loop.runUntil([&] { return r.done || r.error; });
    return r;
  }
  /// One caller turn: runs replies and tool calls until the policy speaks.
  std::string say(const std::string& text) {
    request.messages.push_back({.role = "user", .content = text});
    std::string said;
    for (int i = 0; i < 5; ++i) {
      Recorder r = ask();
      REQUIRE_FALSE(r.error);
      said += r.text;
      request.messages.push_back({.role = "assistant", .content = r.text, .toolCalls = r.calls});
      if (r.calls.empty()) {
        CHECK(r.done->finishReason == "stop");
        break;
      }
      CHECK(r.done->finishReason == "tool_calls");
      for (const auto& c : r.calls) {
        callNames.push_back(c.name);
        auto result = harness.registry->call(c.name, c.arguments, c.id);
        request.messages.push_back({.role = "tool", .content = result.dump(), .toolCallId = c.id});
      }
    }
    return said;
  }
  std::vector<std::string> callNames;
};

size_t appendBody(char* p, size_t s, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, s * n);
  return s * n;
}

/// A raw POST to the local server (for error shapes the client does not expose).
std::pair<long, std::string> post(uint16_t port, const std::string& path, const std::string& body,
                                  dialog::test::TestLoop& loop) {
  // Run the blocking transfer on another thread while the loop serves it.
  std::pair<long, std::string> out{0, ""};
  std::atomic<bool> finished{false};
  std::thread t([&] {
    CURL* c = curl_easy_init();
    std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &appendBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.second);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.first);
    curl_easy_cleanup(c);
    finished = true;
  });
  loop.runUntil([&] { return finished.load(); });
  t.join();
  return out;
}

}  // namespace

TEST_CASE("chat client streams the greeting from the local policy") {
  ChatFixture f;
  Recorder r = f.ask();
  REQUIRE(r.done);
  CHECK(r.text == tools::test::demoTenant()->greeting);
  CHECK(r.textDeltas > 1);  // streamed in pieces
  CHECK(r.done->finishReason == "stop");
  REQUIRE(r.done->usage);
  CHECK(r.done->usage->totalTokens > 0);
}

TEST_CASE("chat client books through the local policy and the booking lands in the store") {
  ChatFixture f;
  f.say("I'd like to book a cleaning on Tuesday at two thirty");
  std::string confirm = f.say("my name is Rosa Diaz");
  CHECK(confirm.find("Shall I book it?") != std::string::npos);
  std::string done = f.say("yes");
  CHECK(done.find("You're all set") != std::string::npos);
  CHECK(f.callNames == std::vector<std::string>{"check_availability", "book_appointment"});
  auto b = f.harness.bookings();
  REQUIRE(b.size() == 1);
  CHECK(tools::toIsoLocal(tools::test::demoTenant()->zone, b[0].start) ==
        "2025-01-07T14:30:00-05:00");
  f.say("no that's all thanks");
  CHECK(f.callNames.back() == "end_call");
}

TEST_CASE("chat endpoint answers without streaming in the chat.completion shape") {
  ChatFixture f;
  json body = {{"model", "parley-booking"},
               {"messages", json::array({{{"role", "user"}, {"content", "what are your hours"}}})},
               {"tools", f.harness.registry->openAiTools()}};
  auto [status, text] = post(f.server->port(), "/v1/chat/completions", body.dump(), f.loop);
  CHECK(status == 200);
  json r = json::parse(text);
  CHECK(r["object"] == "chat.completion");
  CHECK(r["choices"][0]["finish_reason"] == "tool_calls");
  auto call = r["choices"][0]["message"]["tool_calls"][0];
  CHECK(call["function"]["name"] == "get_business_info");
  CHECK(json::parse(call["function"]["arguments"].get<std::string>())["topic"] == "hours");
}

TEST_CASE("chat endpoint answers text only with tool_choice none") {
  ChatFixture f;
  f.request.toolChoice = "none";
  f.request.messages.push_back({.role = "user", .content = "what are your hours"});
  Recorder r = f.ask();
  REQUIRE(r.done);
  CHECK(r.calls.empty());
  CHECK(r.done->finishReason == "stop");
}

TEST_CASE("chat endpoint refuses malformed JSON unknown arguments and bad messages") {
  ChatFixture f;
  auto [s1, b1] = post(f.server->port(), "/v1/chat/completions", "{not json", f.loop);
  CHECK(s1 == 400);
  CHECK(json::parse(b1)["error"]["code"] == "invalid_json");
  auto [s2, b2] = post(f.server->port(), "/v1/chat/completions",
                       R"({"messages":[{"role":"user","content":"hi"}],"bogus":1})", f.loop);
  CHECK(s2 == 400);
  CHECK(json::parse(b2)["error"]["param"] == "bogus");
  auto [s3, b3] = post(f.server->port(), "/v1/chat/completions", R"({"messages":[]})", f.loop);
  CHECK(s3 == 400);
  auto [s4, b4] = post(f.server->port(), "/v1/chat/completions",
                       R"({"messages":[{"role":"robot","content":"hi"}]})", f.loop);
  CHECK(s4 == 400);
  CHECK(json::parse(b4)["error"]["message"].get<std::string>().find("robot") != std::string::npos);
  auto [s5, b5] = post(f.server->port(), "/v1/other", "{}", f.loop);
  CHECK(s5 == 404);
}

TEST_CASE("chat client reports a 400 from the local policy as a non-retryable error") {
  ChatFixture f;
  f.request.messages = {{.role = "wizard", .content = "hi"}};
  Recorder r = f.ask();
  REQUIRE(r.error);
  CHECK_FALSE(r.error->retryable);
}
