// send_dtmf: which keys it accepts and what it answers (the session does the sending).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tools/CallTools.hpp"

using namespace parley::tools;

TEST_CASE("send_dtmf accepts phone keys and answers with them") {
  ToolRegistry reg;
  registerSendDtmfTool(reg);
  CHECK(reg.has("send_dtmf"));
  auto ok = reg.callJson("send_dtmf", {{"digits", "1234#*A"}}, "c1");
  CHECK(ok.value("status", "") == "sending_keys");
  CHECK(ok.value("digits", "") == "1234#*A");
  const auto tools = reg.openAiTools();
  const auto& fn = tools.at(0).at("function");
  CHECK(fn.at("name") == "send_dtmf");
  CHECK(fn.at("parameters").at("required").at(0) == "digits");
}

TEST_CASE("send_dtmf refuses what is not a key press") {
  ToolRegistry reg;
  registerSendDtmfTool(reg);
  const std::vector<std::string> bad = {"", "12x", "1 2", "e",
                                        std::string(kMaxDtmfDigits + 1, '1')};
  for (const auto& digits : bad) {
    auto r = reg.callJson("send_dtmf", {{"digits", digits}}, "c");
    INFO(digits);
    REQUIRE(r.contains("error"));
    CHECK(r["error"]["code"] == "invalid_arguments");
  }
  auto missing = reg.callJson("send_dtmf", nlohmann::json::object(), "c");
  CHECK(missing["error"]["code"] == "invalid_arguments");
  CHECK_THROWS_AS(registerSendDtmfTool(reg), std::invalid_argument);
}
