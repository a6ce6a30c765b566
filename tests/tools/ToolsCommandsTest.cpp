#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "TestSupport.hpp"
#include "agent/cli/ToolsCommands.hpp"

using nlohmann::json;

namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

// Runs `parley <args…>` in-process with the tools commands only.
Run runParley(std::vector<std::string> args) {
  Run r;
  std::ostringstream out, err;
  CLI::App app{"parley"};
  app.require_subcommand(1);
  parley::agent::addToolsCommands(app, r.code, out, err);
  std::vector<const char*> argv{"parley"};
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    r.code = 2;  // what agent/main.cpp does with a usage error
    err << e.what();
  }
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_CASE("cli: tools list, tools call, bookings list against the demo tenant") {
  parley::tools::test::TempDir dir;
  const std::string tenants = std::string(PARLEY_SOURCE_DIR) + "/config/tenants";
  std::vector<std::string> common{"--tenant",      "demo",
                                  "--tenants-dir", tenants,
                                  "--data-dir",    dir.path().string(),
                                  "--now",         "2025-01-06T10:00:00-05:00"};
  auto with = [&](std::vector<std::string> head, std::vector<std::string> tail = {}) {
    head.insert(head.end(), common.begin(), common.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };

  auto list = runParley(with({"tools", "list"}));
  REQUIRE(list.code == 0);
  auto tools = json::parse(list.out);
  CHECK(tools.size() == 8);
  CHECK(tools[0]["function"]["name"] == "check_availability");

  auto avail = runParley(with({"tools", "call"}, {"--tool", "check_availability", "--args",
                                                  R"({"service":"checkup","date":"2025-01-07"})"}));
  REQUIRE(avail.code == 0);
  CHECK(json::parse(avail.out)["slots"][0]["start"] == "2025-01-07T09:00:00-05:00");

  auto book = runParley(
      with({"tools", "call"},
           {"--caller", "+15551234567", "--tool", "book_appointment", "--args",
            R"({"service":"checkup","start":"2025-01-07T09:00:00-05:00","customer_name":"Ada"})"}));
  REQUIRE(book.code == 0);
  auto booked = json::parse(book.out);
  CHECK(booked["status"] == "booked");

  // A tool-level error is still exit 0: it is a valid result.
  auto bad = runParley(with({"tools", "call"},
                            {"--tool", "book_appointment", "--args", R"({"service":"checkup"})"}));
  CHECK(bad.code == 0);
  CHECK(json::parse(bad.out)["error"]["code"] == "invalid_arguments");

  auto table = runParley(with({"bookings", "list"}));
  CHECK(table.code == 0);
  CHECK(table.out.find(booked["appointment"]["appointment_id"].get<std::string>()) !=
        std::string::npos);
  CHECK(table.out.find("1 appointment(s)") != std::string::npos);
  auto js = runParley(with({"bookings", "list"}, {"--json"}));
  CHECK(json::parse(js.out)[0]["customer_name"] == "Ada");
}

TEST_CASE("cli: bad usage exits 2 with a message") {
  parley::tools::test::TempDir dir;
  const std::string tenants = std::string(PARLEY_SOURCE_DIR) + "/config/tenants";
  auto unknownTenant = runParley({"tools", "list", "--tenant", "nope", "--tenants-dir", tenants,
                                  "--data-dir", dir.path().string()});
  CHECK(unknownTenant.code == 2);
  CHECK(unknownTenant.err.find("unknown tenant 'nope'") != std::string::npos);
  auto unknownTool = runParley({"tools", "call", "--tenant", "demo", "--tenants-dir", tenants,
                                "--data-dir", dir.path().string(), "--tool", "fly"});
  CHECK(unknownTool.code == 2);
  CHECK(unknownTool.err.find("unknown tool 'fly'") != std::string::npos);
  auto badArgs =
      runParley({"tools", "call", "--tenant", "demo", "--tenants-dir", tenants, "--data-dir",
                 dir.path().string(), "--tool", "end_call", "--args", "{oops"});
  CHECK(badArgs.code == 2);
  auto missing = runParley({"tools", "call", "--tenant", "demo"});
  CHECK(missing.code == 2);
  auto noDir =
      runParley({"tools", "list", "--tenant", "demo", "--tenants-dir", dir.file("none").string()});
  CHECK(noDir.code == 2);
}
