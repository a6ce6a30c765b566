// Turn-taking, streaming, tools, barge-in and silence handling of dialog::Conversation, driven
// by a 20 ms timeline on a ManualClock with fake providers (ConversationHarness.hpp).
#include <doctest/doctest.h>

#include <algorithm>

#include "dialog/conversation/Conversation.hpp"
#include "tests/dialog/conversation/ConversationHarness.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;

namespace {

/// Steps until the greeting (or any reply) has been spoken and the agent listens.
void finishSpeaking(Harness& h) {
  REQUIRE(h.until([&] { return h.inState(TurnState::Listening) && h.out.queue.empty(); }));
}

int countPushed(const FakeTts& tts, const std::string& text) {
  return static_cast<int>(std::count(tts.pushed.begin(), tts.pushed.end(), text));
}

}  // namespace

TEST_CASE("greeting then a caller turn then a streamed reply") {
  Harness h;
  REQUIRE(h.inState(TurnState::Thinking));
  h.step();
  CHECK(h.inState(TurnState::AgentSpeaking));
  finishSpeaking(h);
  CHECK(h.rec.lines.size() == 1);
  CHECK((h.rec.lines[0].speaker == Speaker::Agent));

  h.llm->scripts.push_back(
      {{"Sure", ". We have Tuesday", " at 2:30 p.m. or Dr. Lee", " on Friday."}});
  h.say("I'd like a cleaning", 1000);
  CHECK(h.inState(TurnState::UserSpeaking));
  // Speech ended: 100 ms of silence may be a comma, so no finalize() yet; after 250 ms it goes
  // out; the final arrives, but the turn waits for the minimum endpointing delay.
  h.run(100);
  CHECK(h.stt->finalizes == 0);
  h.run(200);
  CHECK(h.stt->finalizes == 1);
  CHECK(h.inState(TurnState::UserSpeaking));
  REQUIRE(h.until([&] { return h.inState(TurnState::Thinking); }, 1000));
  REQUIRE(h.llm->requests.size() == 1);
  const auto& msgs = h.llm->requests[0].messages;
  CHECK(msgs.front().role == "system");
  CHECK(msgs.back().role == "user");
  CHECK(msgs.back().content == "I'd like a cleaning");
  CHECK(h.llm->requests[0].toolChoice == "auto");
  finishSpeaking(h);
  // Sentences went to the TTS as they completed ("Sure." is short, so it joined the next one).
  CHECK(h.tts->pushed.size() >= 2);
  CHECK(h.tts->pushed[1] == "Sure. We have Tuesday at 2:30 p.m. or Dr. Lee on Friday.");
  REQUIRE(h.rec.turns.size() == 1);
  const auto& m = h.rec.turns[0];
  CHECK(m.endOfUtteranceDelayMs >= 500);
  CHECK(m.endOfUtteranceDelayMs < 600);
  CHECK(m.sttFinalLatencyMs == doctest::Approx(120));
  CHECK(m.llmTimeToFirstTokenMs == doctest::Approx(200));
  CHECK(m.ttsTimeToFirstByteMs == doctest::Approx(80));
  CHECK(m.voiceToVoiceMs >= m.endOfUtteranceDelayMs);
  CHECK(h.conv->history().turns().back().role == "assistant");
  auto& states = h.rec.states;
  std::vector<TurnState> expect = {TurnState::AgentSpeaking, TurnState::Listening,
                                   TurnState::UserSpeaking,  TurnState::Thinking,
                                   TurnState::AgentSpeaking, TurnState::Listening};
  CHECK((std::vector<TurnState>(states.end() - 6, states.end()) == expect));
}

TEST_CASE("no STT final: the turn ends at the maximum endpointing delay") {
  Harness h;
  finishSpeaking(h);
  h.run(600, true);            // speech, but the STT says nothing on finalize
  h.stt->final("book me in");  // a final that arrived while the caller still spoke
  h.run(20, true);
  const double speechEnd = h.nowMs();
  REQUIRE(h.until([&] { return h.inState(TurnState::Thinking); }, 5000));
  const double waited = h.nowMs() - speechEnd;
  CHECK(waited >= 3000);
  CHECK(waited < 3100);
}

TEST_CASE("a noise without words is not a turn") {
  Harness h;
  finishSpeaking(h);
  h.run(300, true);
  CHECK(h.inState(TurnState::UserSpeaking));
  h.run(3200);
  CHECK(h.inState(TurnState::Listening));
  CHECK(h.llm->requests.empty());
}

TEST_CASE("barge-in one second into a long reply stops playout and keeps the heard words") {
  Harness h;
  finishSpeaking(h);
  interruptLongReply(h);
  const size_t decisionFrame = h.out.frames.size();
  CHECK(h.inState(TurnState::UserSpeaking));
  CHECK(h.out.queue.empty());
  h.stt->interim("wait what");
  h.run(200, true);
  // Every frame after the decision is silent: stopped within one frame.
  for (size_t i = decisionFrame; i < h.out.frames.size(); ++i) CHECK_FALSE(h.out.frames[i]);
  REQUIRE(h.rec.bargeIns.size() == 1);
  const auto& b = h.rec.bargeIns[0];
  CHECK(b.onsetToDecisionMs == doctest::Approx(300).epsilon(0.1));
  CHECK(b.decisionToStoppedMs <= 20);
  // ~1.3 s played = the first six or seven 200 ms words.
  CHECK(b.heardText.rfind("Our hours are nine to", 0) == 0);
  CHECK(b.heardText.find("Saturday") == std::string::npos);
  // History holds only the heard part.
  const auto& hist = h.conv->history().turns();
  REQUIRE(hist.back().role == "assistant");
  CHECK(hist.back().content == b.heardText);
  CHECK(h.rec.lines.back().interrupted);
  // The agent answers the interruption.
  h.llm->scripts.push_back({{"On Saturday we are open nine to one."}});
  REQUIRE(h.until([&] { return h.llm->requests.size() == 2; }, 3000));
  CHECK(h.llm->requests[1].messages.back().content == "wait what about Saturday");
  finishSpeaking(h);
  CHECK(h.rec.lines.back().text == "On Saturday we are open nine to one.");
}

TEST_CASE("mm-hm during a reply does not interrupt") {
  Harness h;
  finishSpeaking(h);
  h.llm->scripts.push_back({{"Let me tell you about our services and our prices in detail now."}});
  h.say("what do you offer");
  REQUIRE(h.until([&] { return h.inState(TurnState::AgentSpeaking); }, 3000));
  h.run(400);
  h.run(200, true);       // a short "mm-hm": under min_interruption_duration
  h.stt->final("mm-hm");  // covers the sound: a backchannel
  h.run(200);
  CHECK(h.inState(TurnState::AgentSpeaking));
  finishSpeaking(h);
  CHECK(h.rec.bargeIns.empty());
  CHECK_FALSE(h.rec.lines.back().interrupted);
  CHECK(h.llm->requests.size() == 1);
  // A longer "yeah okay" pauses playout, but backchannel words resume it.
  h.llm->scripts.push_back({{"Cleanings take one hour and cost one hundred and twenty dollars."}});
  h.say("and a cleaning");
  REQUIRE(h.until([&] { return h.inState(TurnState::AgentSpeaking); }, 3000));
  h.run(400);
  h.run(400, true);
  CHECK(h.inState(TurnState::UserSpeaking));
  h.stt->final("yeah okay");
  h.step();
  CHECK(h.inState(TurnState::AgentSpeaking));
  finishSpeaking(h);
  CHECK(h.rec.bargeIns.empty());
  CHECK(h.rec.lines.back().text ==
        "Cleanings take one hour and cost one hundred and twenty dollars.");
}

TEST_CASE("a cough pauses the reply and it resumes where it stopped") {
  Harness h;
  finishSpeaking(h);
  h.llm->scripts.push_back({{"We are at forty two Maple Street in Springfield next to the park."}});
  h.say("where are you");
  REQUIRE(h.until([&] { return h.inState(TurnState::AgentSpeaking); }, 3000));
  h.run(600);
  const uint64_t before = h.out.played;
  h.run(400, true);  // cough: long enough to pause, no words follow
  CHECK(h.inState(TurnState::UserSpeaking));
  const uint64_t atPause = h.out.played;
  h.run(1000);
  CHECK(h.out.played == atPause);  // silent while waiting for words
  h.run(600);                      // false_interruption_timeout passed
  CHECK(h.inState(TurnState::AgentSpeaking));
  finishSpeaking(h);
  CHECK(h.rec.bargeIns.empty());
  // Nothing was skipped or repeated: the whole reply was played once.
  const uint64_t words = 13;
  CHECK(h.out.played - before + (before - 0) >= words * 200 * 16);
  CHECK(h.rec.lines.back().text ==
        "We are at forty two Maple Street in Springfield next to the park.");
}

TEST_CASE("silence: two reprompts then goodbye and hang-up") {
  Harness h;
  finishSpeaking(h);
  h.run(7900);
  CHECK(countPushed(*h.tts, "Are you still there?") == 0);
  h.run(200);
  CHECK(countPushed(*h.tts, "Are you still there?") == 1);
  finishSpeaking(h);
  h.run(8100);
  CHECK(countPushed(*h.tts, "Are you still there?") == 2);
  finishSpeaking(h);
  h.run(8100);
  REQUIRE(h.until([&] { return !h.rec.hangup.empty(); }, 10000));
  CHECK(h.rec.hangup == "silence");
  CHECK(countPushed(*h.tts, ConversationConfig{}.silenceGoodbyeText) == 1);
  CHECK(h.out.queue.empty());  // the goodbye was fully played before the hang-up
}

TEST_CASE("a slow tool gets exactly one filler") {
  Harness h;
  finishSpeaking(h);
  h.tools->delayMs = 2000;
  h.llm->scripts.push_back(
      {{}, {{0, "call_1", "check_availability", R"({"service":"cleaning"})"}}, false});
  h.llm->scripts.push_back(
      {{}, {{0, "call_2", "check_availability", R"({"day":"friday"})"}}, false});
  h.llm->scripts.push_back({{"Friday at ten is free."}});
  h.say("is friday free");
  REQUIRE(h.until([&] { return h.rec.tools.size() == 2; }, 10000));
  finishSpeaking(h);
  CHECK(countPushed(*h.tts, ConversationConfig{}.fillerText) == 1);
  CHECK(h.rec.turns.back().toolRounds == 2);
  // The history holds each tool call with its result, in order.
  const auto& t = h.conv->history().turns();
  int calls = 0, results = 0;
  for (const auto& m : t) {
    calls += static_cast<int>(m.toolCalls.size());
    results += m.role == "tool";
  }
  CHECK(calls == 2);
  CHECK(results == 2);
  CHECK(h.rec.lines.back().text.find("Friday at ten is free.") != std::string::npos);
}

TEST_CASE("a fast tool gets no filler and the tool rounds are capped") {
  ConversationConfig c;
  c.maxToolRounds = 2;
  Harness h(c);
  finishSpeaking(h);
  for (int i = 0; i < 4; ++i)
    h.llm->scripts.push_back({{}, {{0, "call_" + std::to_string(i), "check_availability", "{}"}}});
  h.llm->scripts.push_back({{"I could not find a time."}});
  h.say("any time");
  finishSpeaking(h);
  CHECK(countPushed(*h.tts, c.fillerText) == 0);
  CHECK(h.tools->rounds == 2);
  CHECK(h.llm->requests.back().toolChoice == "none");
}

TEST_CASE("end_call hangs up after the goodbye is played") {
  Harness h;
  finishSpeaking(h);
  h.llm->scripts.push_back({{}, {{0, "call_9", "end_call", R"({"reason":"completed"})"}}});
  h.llm->scripts.push_back({{"Goodbye and have a nice day!"}});
  h.say("that's all thanks");
  REQUIRE(h.until([&] { return !h.rec.hangup.empty(); }, 10000));
  CHECK(h.rec.hangup == "end_call");
  CHECK(h.out.queue.empty());
  CHECK(h.rec.lines.back().text == "Goodbye and have a nice day!");
}

TEST_CASE("a successful send_dtmf hands its keys to the session; a refused one does not") {
  Harness h;
  finishSpeaking(h);
  h.tools->handler = [](const ToolCall& c) {
    return c.arguments.find("x") != std::string::npos
               ? std::string(R"({"error":{"code":"invalid_arguments","message":"not a key"}})")
               : std::string(R"({"status":"sending_keys","digits":"1#"})");
  };
  h.llm->scripts.push_back({{}, {{0, "call_k", "send_dtmf", R"({"digits":"1#"})"}}});
  h.llm->scripts.push_back({{"I pressed one."}});
  h.say("press one for appointments");
  finishSpeaking(h);
  CHECK(h.rec.keysSent == "1#");
  h.llm->scripts.push_back({{}, {{0, "call_x", "send_dtmf", R"({"digits":"x"})"}}});
  h.llm->scripts.push_back({{"Sorry."}});
  h.say("press x");
  finishSpeaking(h);
  CHECK(h.rec.keysSent == "1#");
  REQUIRE(h.rec.tools.size() == 2);
  CHECK(h.rec.tools[1].error);
}

TEST_CASE("transfer is refused where the leg cannot transfer") {
  Harness h;
  finishSpeaking(h);
  h.tools->handler = [](const ToolCall&) { return std::string(R"({"status":"transferring"})"); };
  h.llm->scripts.push_back({{}, {{0, "call_t", "transfer_call", "{}"}}});
  h.llm->scripts.push_back({{"I can't transfer you, but I can help."}});
  h.say("let me talk to a person");
  finishSpeaking(h);
  REQUIRE(h.rec.tools.size() == 1);
  CHECK(h.rec.tools[0].error);
  CHECK(h.rec.tools[0].result.find("not_supported") != std::string::npos);
  CHECK(h.rec.hangup.empty());
}

TEST_CASE("LLM failure: an apology then the call goes on and a second failure ends it") {
  Harness h;
  finishSpeaking(h);
  h.llm->scripts.push_back({{}, {}, true});
  h.say("hello there");
  finishSpeaking(h);
  CHECK(countPushed(*h.tts, ConversationConfig{}.apologyText) == 1);
  CHECK(h.rec.hangup.empty());
  h.llm->scripts.push_back({{"Yes, how can I help?"}});
  h.say("can you hear me");
  finishSpeaking(h);
  CHECK(h.rec.lines.back().text == "Yes, how can I help?");
  h.llm->scripts.push_back({{}, {}, true});
  h.say("book me");
  finishSpeaking(h);
  h.llm->scripts.push_back({{}, {}, true});
  h.say("hello");
  REQUIRE(h.until([&] { return !h.rec.hangup.empty(); }, 10000));
  CHECK(h.rec.hangup == "error");
  CHECK(countPushed(*h.tts, ConversationConfig{}.failGoodbyeText) == 1);
}

TEST_CASE("TTS socket drop mid-reply: the caller hears an apology") {
  Harness h;
  finishSpeaking(h);
  h.tts->failNext = 1;
  h.llm->scripts.push_back({{"Here is a long answer that will never be heard."}});
  h.say("tell me everything");
  finishSpeaking(h);
  CHECK(countPushed(*h.tts, ConversationConfig{}.apologyText) == 1);
  CHECK(h.rec.lines.back().text == ConversationConfig{}.apologyText);
  CHECK(h.rec.hangup.empty());
}

TEST_CASE("a late final before the reply restarts it with the whole utterance") {
  Harness h;
  finishSpeaking(h);
  h.say("I need a cleaning", 800);
  REQUIRE(h.until([&] { return h.inState(TurnState::Thinking); }, 2000));
  // The LLM has not answered yet (it answers on the next step); a late final comes first.
  h.stt->final("on Friday morning");
  CHECK(h.inState(TurnState::Thinking));
  finishSpeaking(h);
  CHECK(h.llm->requests.back().messages.back().content == "I need a cleaning on Friday morning");
}

TEST_CASE("the agent's own echo does not interrupt on a leg without echo cancellation") {
  Harness h({}, "Hello, how can I help?", /*aec=*/false);
  finishSpeaking(h);
  h.llm->scripts.push_back({{"We open at nine in the morning every weekday."}});
  h.say("when do you open");
  REQUIRE(h.until([&] { return h.inState(TurnState::AgentSpeaking); }, 3000));
  // Echo: VAD speech at a low SNR, and the STT transcribing the agent's own words.
  for (int i = 0; i < 30; ++i) {
    h.clock.advance(std::chrono::milliseconds(20));
    h.tts->deliver();
    h.conv->onCallerAudio({}, {true, 10.0});
    h.out.tick();
  }
  h.stt->interim("we open at nine in the");
  CHECK(h.inState(TurnState::AgentSpeaking));
  finishSpeaking(h);
  CHECK(h.rec.bargeIns.empty());
}

TEST_CASE("maximum call duration closes the call politely") {
  ConversationConfig c;
  c.maxCallDurationMs = 5000;
  c.silenceRepromptMs = 60000;
  Harness h(c);
  REQUIRE(h.until([&] { return !h.rec.hangup.empty(); }, 20000));
  CHECK(h.rec.hangup == "max_duration");
  CHECK(countPushed(*h.tts, c.maxDurationText) == 1);
}

TEST_CASE("end_call in the same message as the goodbye says it once") {
  Harness h;
  finishSpeaking(h);
  h.llm->scripts.push_back(
      {{"Thanks for calling. Goodbye!"}, {{0, "call_e", "end_call", R"({"reason":"completed"})"}}});
  h.say("bye");
  REQUIRE(h.until([&] { return !h.rec.hangup.empty(); }, 10000));
  CHECK(h.rec.hangup == "end_call");
  CHECK(h.llm->requests.size() == 1);
  CHECK(h.rec.lines.back().text == "Thanks for calling. Goodbye!");
}

TEST_CASE("keys pressed are a caller turn of their own and interrupt a reply") {
  Harness h;
  finishSpeaking(h);
  h.llm->scripts.push_back({{"To confirm, press 1. To hear the times again, press 2."}});
  h.say("book it", 600);
  REQUIRE(h.until([&] { return h.inState(TurnState::AgentSpeaking); }, 3000));
  h.run(600);
  h.llm->scripts.push_back({{"Done, you are booked."}});
  h.conv->onCallerKeys("1");
  CHECK(h.out.queue.empty());  // playout stopped at once
  REQUIRE(h.rec.bargeIns.size() == 1);
  REQUIRE(h.llm->requests.size() == 2);
  CHECK(h.llm->requests[1].messages.back().content == "(pressed 1 on the keypad)");
  CHECK(h.rec.lines.back().text == "(pressed 1 on the keypad)");
  CHECK((h.rec.lines.back().speaker == Speaker::Caller));
  finishSpeaking(h);
  CHECK(h.rec.lines.back().text == "Done, you are booked.");
  // While listening, a code typed with '#' is one turn too.
  h.llm->scripts.push_back({{"Thanks."}});
  h.conv->onCallerKeys("1234#");
  REQUIRE(h.llm->requests.size() == 3);
  CHECK(h.llm->requests[2].messages.back().content == "(pressed 1234# on the keypad)");
  CHECK(h.rec.bargeIns.size() == 1);
}
