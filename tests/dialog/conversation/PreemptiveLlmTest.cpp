// Preemptive generation (ConversationConfig::preemptiveGeneration, PreemptiveLlm): the LLM is
// asked on the early end-of-speech final, its reply is held until the turn ends, then used if
// the transcript is unchanged — and dropped unseen (never spoken, recorded or run as tools) if the
// caller goes on. Driven by the ManualClock timeline of ConversationHarness.hpp.
#include <doctest/doctest.h>

#include <algorithm>

#include "dialog/conversation/Conversation.hpp"
#include "tests/dialog/conversation/ConversationHarness.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;

namespace {

ConversationConfig preemptive() {
  ConversationConfig c;
  c.preemptiveGeneration = true;
  return c;
}

void finishSpeaking(Harness& h) {
  REQUIRE(h.until([&] { return h.inState(TurnState::Listening) && h.out.queue.empty(); }));
}

uint64_t preemptiveCount(Harness& h, const char* result) {
  return h.metrics
      .counter("parley_preemptive_replies_total",
               "LLM requests made before the turn ended, by result", {{"result", result}})
      .value();
}

bool pushedContains(const FakeTts& tts, const std::string& text) {
  return std::any_of(tts.pushed.begin(), tts.pushed.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

bool historyContains(const Conversation& c, const std::string& text) {
  const auto& turns = c.history().turns();
  return std::any_of(turns.begin(), turns.end(), [&](const ChatMessage& m) {
    return m.content.find(text) != std::string::npos;
  });
}

/// One caller turn "I'd like a cleaning" answered by an LLM that takes 200 ms; its metrics.
TurnMetrics answeredTurn(ConversationConfig config) {
  Harness h(config);
  finishSpeaking(h);
  h.llm->delayMs = 200;
  h.llm->scripts.push_back({{"We have Tuesday at two."}});
  h.say("I'd like a cleaning", 1000);
  finishSpeaking(h);
  REQUIRE(h.rec.turns.size() == 1);
  CHECK(h.rec.lines.back().text == "We have Tuesday at two.");
  return h.rec.turns[0];
}

}  // namespace

TEST_CASE("preemptive: the early request is held, then used when the turn ends unchanged") {
  Harness h(preemptive());
  finishSpeaking(h);
  h.llm->scripts.push_back({{"We have Tuesday", " at two."}});
  const size_t pushedBefore = h.tts->pushed.size();
  h.say("I'd like a cleaning", 1000);
  const double speechEnd = h.nowMs();
  // finalize() after 250 ms of silence, its final one step later: the LLM is asked at once.
  REQUIRE(h.until([&] { return h.llm->requests.size() == 1; }, 500));
  CHECK(h.nowMs() - speechEnd < 500);  // before the endpointing delay
  CHECK(h.inState(TurnState::UserSpeaking));
  CHECK(h.llm->requests[0].messages.back().role == "user");
  CHECK(h.llm->requests[0].messages.back().content == "I'd like a cleaning");
  // The history is not touched before the turn is confirmed.
  CHECK(h.conv->history().turns().back().role == "assistant");
  h.run(100);  // the reply streams in, but nothing is said while the turn may go on
  CHECK(h.llm->active == nullptr);
  CHECK(h.tts->pushed.size() == pushedBefore);
  CHECK(h.inState(TurnState::UserSpeaking));
  finishSpeaking(h);
  CHECK(h.llm->requests.size() == 1);  // the turn's end asked nothing new
  REQUIRE(h.rec.turns.size() == 1);
  const TurnMetrics& m = h.rec.turns[0];
  CHECK(m.preemptiveLeadMs > 0);
  CHECK(m.endOfUtteranceDelayMs >= 500);
  CHECK(h.rec.lines.back().text == "We have Tuesday at two.");
  const auto& turns = h.conv->history().turns();
  REQUIRE(turns.size() >= 2);
  CHECK(turns[turns.size() - 2].content == "I'd like a cleaning");
  CHECK(turns.back().content == "We have Tuesday at two.");
  CHECK(preemptiveCount(h, "used") == 1);
  CHECK(preemptiveCount(h, "discarded") == 0);
}

TEST_CASE("preemptive: the head start shows in voice-to-voice latency") {
  const TurnMetrics plain = answeredTurn({});
  const TurnMetrics early = answeredTurn(preemptive());
  CHECK(plain.preemptiveLeadMs < 0);
  CHECK(early.preemptiveLeadMs > 0);
  // Same endpointing, but the LLM was asked ~220 ms before the turn ended, so its 200 ms are
  // hidden in the endpointing delay (virtual time: deterministic).
  CHECK(early.endOfUtteranceDelayMs == doctest::Approx(plain.endOfUtteranceDelayMs));
  CHECK(early.voiceToVoiceMs <= plain.voiceToVoiceMs - 180);
  CHECK(early.llmTimeToFirstTokenMs == doctest::Approx(plain.llmTimeToFirstTokenMs));
}

TEST_CASE("preemptive: its tool calls wait until the turn is confirmed") {
  Harness h(preemptive());
  finishSpeaking(h);
  h.llm->scripts.push_back(
      {{}, {{0, "call_1", "check_availability", R"({"service":"cleaning"})"}}});
  h.llm->scripts.push_back({{"Tuesday at two is free."}});
  h.say("any time for a cleaning", 1000);
  REQUIRE(h.until([&] { return h.llm->requests.size() == 1; }, 500));
  h.run(100);  // the tool call has arrived and is held
  CHECK(h.inState(TurnState::UserSpeaking));
  CHECK(h.tools->rounds == 0);
  CHECK(h.rec.tools.empty());
  REQUIRE(h.until([&] { return h.tools->rounds == 1; }, 1000));
  CHECK_FALSE(h.inState(TurnState::UserSpeaking));  // run only once the turn had ended
  finishSpeaking(h);
  REQUIRE(h.rec.tools.size() == 1);
  CHECK(h.rec.tools[0].name == "check_availability");
  CHECK(h.llm->requests.size() == 2);  // the preemptive one and the one after the tool round
  CHECK(h.rec.lines.back().text == "Tuesday at two is free.");
}

TEST_CASE("preemptive: the caller goes on, so the early reply is dropped unseen") {
  Harness h(preemptive());
  finishSpeaking(h);
  // The early request gets text and a tool call that must never be heard, recorded or run.
  h.llm->scripts.push_back(
      {{"Sure, a cleaning only."}, {{0, "call_x", "check_availability", R"({"service":"x"})"}}});
  h.say("I'd like a cleaning", 1000);
  REQUIRE(h.until([&] { return h.llm->requests.size() == 1; }, 500));
  h.run(40);  // its whole reply arrives and is held
  CHECK(h.llm->active == nullptr);
  h.say("and a whitening", 800);  // the caller was not done
  CHECK(preemptiveCount(h, "discarded") == 1);
  h.llm->scripts.push_back({{"A cleaning and a whitening, sure."}});
  finishSpeaking(h);
  // Asked again (early, on the new final) with the whole turn; that one was used.
  REQUIRE(h.llm->requests.size() == 2);
  CHECK(h.llm->requests[1].messages.back().content == "I'd like a cleaning and a whitening");
  CHECK(preemptiveCount(h, "used") == 1);
  CHECK(h.tools->rounds == 0);
  CHECK(h.rec.tools.empty());
  CHECK_FALSE(pushedContains(*h.tts, "cleaning only"));
  CHECK_FALSE(historyContains(*h.conv, "cleaning only"));
  CHECK_FALSE(historyContains(*h.conv, "call_x"));
  CHECK(h.rec.lines.back().text == "A cleaning and a whitening, sure.");
  // One caller line and one user message for the turn, with both parts.
  CHECK(h.rec.lines[h.rec.lines.size() - 2].text == "I'd like a cleaning and a whitening");
  CHECK(h.conv->history().userTurns() == 1);
}

TEST_CASE("preemptive: a later final that changes the transcript replaces the early request") {
  Harness h(preemptive());
  finishSpeaking(h);
  h.llm->scripts.push_back({{"Which day?"}});
  h.say("a cleaning", 1000);
  REQUIRE(h.until([&] { return h.llm->requests.size() == 1; }, 500));
  h.run(40);  // its reply arrives and is held
  h.llm->scripts.push_back({{"Friday at ten is free."}});
  h.stt->final("on Friday");  // more words of the same utterance, no new speech
  CHECK(preemptiveCount(h, "discarded") == 1);
  REQUIRE(h.llm->requests.size() == 2);
  CHECK(h.llm->requests[1].messages.back().content == "a cleaning on Friday");
  finishSpeaking(h);
  CHECK(h.rec.lines.back().text == "Friday at ten is free.");
  CHECK_FALSE(pushedContains(*h.tts, "Which day?"));
  CHECK(h.llm->requests.size() == 2);
}

TEST_CASE("preemptive: off by default") {
  Harness h;
  finishSpeaking(h);
  h.say("I'd like a cleaning", 1000);
  h.run(400);  // past the early final, before the endpointing delay
  CHECK(h.inState(TurnState::UserSpeaking));
  CHECK(h.llm->requests.empty());
}
