#include <doctest/doctest.h>

#include <stdexcept>

#include "core/Clock.hpp"
#include "tools/ToolRegistry.hpp"

using namespace parley::tools;
using nlohmann::json;

namespace {
ToolRegistry makeRegistry(parley::core::ManualClock& clock) {
  ToolRegistry r(clock);
  r.add({"echo",
         "Echo the word",
         {{"type", "object"},
          {"properties", {{"word", {{"type", "string"}}}}},
          {"required", {"word"}},
          {"additionalProperties", false}},
         [](const json& a, const ToolInvocation& inv) {
           return json{
               {"word", a["word"]}, {"id", inv.toolCallId}, {"budget_ms", inv.budget.count()}};
         },
         std::chrono::milliseconds(1500)});
  r.add({"boom", "Throws", {{"type", "object"}}, [](const json&, const ToolInvocation&) -> json {
           throw std::runtime_error("kaput");
         }});
  r.add({"weird",
         "Throws an int",
         {{"type", "object"}},
         [](const json&, const ToolInvocation&) -> json { throw 42; }});
  r.add({"slow",
         "Takes long",
         {{"type", "object"}},
         [&clock](const json&, const ToolInvocation&) {
           clock.advance(std::chrono::seconds(5));
           return json{{"done", true}};
         },
         std::chrono::milliseconds(100)});
  return r;
}
}  // namespace

TEST_CASE("registry emits the OpenAI tools array in registration order") {
  parley::core::ManualClock clock;
  auto r = makeRegistry(clock);
  auto tools = r.openAiTools();
  REQUIRE(tools.size() == 4);
  CHECK(tools[0]["type"] == "function");
  CHECK(tools[0]["function"]["name"] == "echo");
  CHECK(tools[0]["function"]["description"] == "Echo the word");
  CHECK(tools[0]["function"]["parameters"]["required"][0] == "word");
  CHECK(r.names() == std::vector<std::string>{"echo", "boom", "weird", "slow"});
}

TEST_CASE("registry runs a valid call and passes the tool call id and budget") {
  parley::core::ManualClock clock;
  auto r = makeRegistry(clock);
  auto out = r.call("echo", R"({"word":"hi"})", "call_1");
  CHECK(out == json{{"word", "hi"}, {"id", "call_1"}, {"budget_ms", 1500}});
}

TEST_CASE("registry turns every failure into a structured error, never an exception") {
  parley::core::ManualClock clock;
  auto r = makeRegistry(clock);
  auto e = r.call("nope", "{}");
  CHECK(e["error"]["code"] == "unknown_tool");
  CHECK(e["error"]["available"].size() == 4);
  CHECK(r.call("echo", "{not json")["error"]["code"] == "invalid_arguments");
  CHECK(r.call("echo", "[1]")["error"]["message"] == "arguments must be a JSON object");
  auto missing = r.call("echo", "");
  CHECK(missing["error"]["code"] == "invalid_arguments");
  CHECK(missing["error"]["issues"][0]["parameter"] == "word");
  CHECK(missing["error"]["message"] == "word is required");
  CHECK(r.call("echo", R"({"word":1})")["error"]["message"] ==
        "word must be string, got an integer");
  CHECK(r.call("echo", R"({"word":"a","x":1})")["error"]["message"] ==
        "x is not a known parameter");
  CHECK(r.call("echo", std::string(kMaxToolArgumentBytes + 1, ' '))["error"]["code"] ==
        "invalid_arguments");
  CHECK(r.call("boom", "{}")["error"]["code"] == "internal_error");
  CHECK(r.call("weird", "{}")["error"]["code"] == "internal_error");
  CHECK(r.call("slow", "{}")["done"] == true);  // over budget: logged and counted, result kept
}

TEST_CASE("registry rejects bad definitions") {
  ToolRegistry r;
  auto h = [](const json&, const ToolInvocation&) { return json::object(); };
  CHECK_THROWS_AS(r.add({"bad name", "", json::object(), h}), std::invalid_argument);
  CHECK_THROWS_AS(r.add({"x", "", json::object(), nullptr}), std::invalid_argument);
  r.add({"x", "", json::object(), h});
  CHECK_THROWS_AS(r.add({"x", "", json::object(), h}), std::invalid_argument);
  CHECK(r.has("x"));
  CHECK(r.call("x", "  ") == json::object());
}
