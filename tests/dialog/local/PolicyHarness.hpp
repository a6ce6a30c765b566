#pragma once
// Runs the scripted booking policy the way the worker does: the conversation as OpenAI messages,
// tool calls executed by the real booking tools on a real SQLite store, results appended as
// `tool` messages, until the policy answers with text for the caller. "Now" is a ManualClock.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dialog/local/policy/BookingPolicy.hpp"
#include "tests/tools/TestSupport.hpp"
#include "tools/BookingTools.hpp"
#include "tools/booking/SqliteBookingStore.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::dialog::local::test {

struct PolicyHarness {
  tools::test::TempDir dir;
  core::ManualClock clock;
  std::shared_ptr<tools::SqliteBookingStore> store;
  std::unique_ptr<tools::ToolRegistry> registry;
  BookingPolicy policy;
  nlohmann::json messages = nlohmann::json::array();
  std::vector<std::string> calls;             ///< tool names called, in order
  std::vector<nlohmann::json> callArguments;  ///< their arguments
  std::vector<nlohmann::json> results;        ///< their results
  std::string lastText;

  explicit PolicyHarness(const std::string& callerPhone = "+15551234567",
                         std::chrono::sys_seconds now = tools::test::mondayTen())
      : clock(now),
        store(std::make_shared<tools::SqliteBookingStore>(dir.file("bookings.sqlite"))),
        registry(tools::makeBookingTools(tools::test::demoTenant(), store, clock,
                                         {"call-1", callerPhone})),
        policy(tools::test::demoTenant(), clock) {
    messages.push_back({{"role", "system"}, {"content", tools::test::demoTenant()->systemPrompt}});
  }

  /// The policy's next turns until it speaks without calling a tool; returns what it said.
  std::string turn() {
    std::string said;
    for (int i = 0; i < 6; ++i) {
      PolicyReply r = policy.next(messages);
      nlohmann::json m = {{"role", "assistant"}, {"content", r.text}};
      if (!r.text.empty()) said += (said.empty() ? "" : " ") + r.text;
      if (r.toolCalls.empty()) {
        messages.push_back(m);
        break;
      }
      nlohmann::json tc = nlohmann::json::array();
      for (const auto& c : r.toolCalls)
        tc.push_back({{"id", c.id},
                      {"type", "function"},
                      {"function", {{"name", c.name}, {"arguments", c.arguments.dump()}}}});
      m["tool_calls"] = tc;
      messages.push_back(m);
      bool terminal = false;
      for (const auto& c : r.toolCalls) {
        auto result = registry->call(c.name, c.arguments.dump(), c.id);
        calls.push_back(c.name);
        callArguments.push_back(c.arguments);
        results.push_back(result);
        messages.push_back({{"role", "tool"}, {"tool_call_id", c.id}, {"content", result.dump()}});
        terminal = terminal || c.name == "end_call" || c.name == "transfer_call";
      }
      if (terminal) break;
    }
    lastText = said;
    return said;
  }
  std::string greet() { return turn(); }
  std::string say(const std::string& text) {
    messages.push_back({{"role", "user"}, {"content", text}});
    return turn();
  }
  /// The conversation so far as lines ("user: …", "assistant: …", "tool: …"), for failure output.
  std::string transcript() const {
    std::string out;
    for (const auto& m : messages) {
      out += m.value("role", std::string()) + ": ";
      if (m.contains("content") && m["content"].is_string()) out += m["content"].get<std::string>();
      if (m.contains("tool_calls")) out += " " + m["tool_calls"].dump();
      out += "\n";
    }
    return out;
  }
  bool called(const std::string& name) const {
    return std::find(calls.begin(), calls.end(), name) != calls.end();
  }
  /// The last result of tool `name` (null if never called).
  nlohmann::json lastResult(const std::string& name) const {
    for (size_t i = calls.size(); i-- > 0;)
      if (calls[i] == name) return results[i];
    return nullptr;
  }
  nlohmann::json lastArguments(const std::string& name) const {
    for (size_t i = calls.size(); i-- > 0;)
      if (calls[i] == name) return callArguments[i];
    return nullptr;
  }
  /// Booked appointments of the caller in the store.
  std::vector<tools::Appointment> bookings(const std::string& phone = "+15551234567") const {
    std::vector<tools::Appointment> out;
    for (auto& a : store->findByPhone("demo", phone,
                                      std::chrono::floor<std::chrono::seconds>(clock.wallNow())))
      if (a.status == tools::AppointmentStatus::Booked) out.push_back(a);
    return out;
  }
};

}  // namespace parley::dialog::local::test
