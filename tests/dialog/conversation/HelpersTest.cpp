// ChatHistory, Backchannels, HeardText, EchoGuard and CallSummarizer.
#include <doctest/doctest.h>

#include "dialog/conversation/Backchannels.hpp"
#include "dialog/conversation/CallSummarizer.hpp"
#include "dialog/conversation/ChatHistory.hpp"
#include "dialog/conversation/ConversationConfig.hpp"
#include "dialog/conversation/EchoGuard.hpp"
#include "dialog/conversation/HeardText.hpp"

using namespace parley::dialog;

TEST_CASE("history trims to the last turns and keeps tool pairs") {
  ChatHistory h("sys");
  h.addAssistant("Hello.");
  h.addUser("one");
  h.addToolCalls("", {{0, "c1", "check_availability", "{}"}});
  h.addToolResult("c1", "{}");
  h.addAssistant("answer one");
  h.addUser("two");
  h.addAssistant("answer two");
  h.addUser("three");
  auto all = h.messages(10);
  CHECK(all.size() == 9);
  auto last2 = h.messages(2);
  REQUIRE(last2.size() == 4);
  CHECK(last2[0].role == "system");
  CHECK(last2[1].content == "two");
  auto last3 = h.messages(3);
  CHECK(last3[1].content == "one");
  CHECK(last3[2].toolCalls.size() == 1);
  CHECK(last3[3].role == "tool");
}

TEST_CASE("consecutive user messages merge and truncation keeps the heard part") {
  ChatHistory h("sys");
  h.addUser("I need");
  h.addUser("a cleaning");
  CHECK(h.turns().size() == 1);
  CHECK(h.turns()[0].content == "I need a cleaning");
  h.addAssistant("We have Monday and Tuesday");
  h.truncateLastAssistant("We have");
  CHECK(h.turns().back().content == "We have");
  h.truncateLastAssistant("");
  CHECK(h.turns().back().role == "user");
}

TEST_CASE("backchannels are not substantive words") {
  Backchannels b(ConversationConfig{}.backchannels);
  CHECK(b.isOnlyBackchannel("Mm-hm."));
  CHECK(b.isOnlyBackchannel("yeah, okay"));
  CHECK(b.isOnlyBackchannel("Uh-huh, got it."));
  CHECK_FALSE(b.isOnlyBackchannel("yeah but Friday"));
  CHECK(b.substantiveWords("yeah but Friday") == 2);
  CHECK(b.substantiveWords("") == 0);
  CHECK_FALSE(b.isOnlyBackchannel(""));
}

TEST_CASE("heard text follows word timings or the played share") {
  HeardText h;
  h.beginSegment(0);
  h.addText("We are open from nine.");
  h.addWords({{"We", 0, 200},
              {"are", 200, 400},
              {"open", 400, 600},
              {"from", 600, 800},
              {"nine.", 800, 1000}});
  h.setSegmentAudioMs(1000);
  CHECK(h.heardAt(0) == "");
  CHECK(h.heardAt(450) == "We are open");
  CHECK(h.heardAt(5000) == "We are open from nine.");
  h.beginSegment(1000);
  h.addText("Any other questions today?");  // no timings: spread evenly
  h.setSegmentAudioMs(1000);
  CHECK(h.heardAt(1500) == "We are open from nine. Any other");
  CHECK(h.fullText() == "We are open from nine. Any other questions today?");
}

TEST_CASE("echo guard") {
  EchoGuard off(false, 6, 12);
  CHECK(off.accept(true, 7, true));
  CHECK_FALSE(off.isEcho("we open at nine", "We open at nine."));
  EchoGuard g(true, 6, 12);
  CHECK(g.accept(true, 7, false));        // agent silent: VAD decides
  CHECK_FALSE(g.accept(true, 10, true));  // quiet while the agent talks: echo
  CHECK(g.accept(true, 25, true));        // loud: the caller
  CHECK(g.accept(true, 10, true));        // hangover between words
  CHECK(g.isEcho("we open at nine", "We open at nine in the morning."));
  CHECK_FALSE(g.isEcho("stop I need Friday", "We open at nine in the morning."));
}

TEST_CASE("call outcome from tool results") {
  CallRecord r;
  r.callerNumber = "+15555550123";
  CHECK((concludeCall(r, false).outcome == CallOutcome::Abandoned));
  r.transcript.push_back({Speaker::Caller, "hi", 1, false});
  CHECK((concludeCall(r, false).outcome == CallOutcome::InfoOnly));
  CHECK((concludeCall(r, true).outcome == CallOutcome::Failed));
  ToolCallRecord t;
  t.name = "book_appointment";
  t.result =
      R"({"status":"booked","appointment":{"service":"Cleaning","staff":"Dr. Lee","spoken":"Friday at 10 AM"}})";
  r.toolCalls.push_back(t);
  auto c = concludeCall(r, false);
  CHECK((c.outcome == CallOutcome::Booked));
  CHECK(c.summary.find("Cleaning with Dr. Lee on Friday at 10 AM") != std::string::npos);
}
