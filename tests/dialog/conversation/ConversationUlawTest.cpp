// A conversation whose TTS speaks 8 kHz µ-law (what a session asks for on a PCMU phone leg,
// issue 9 "Phone audio"): the bytes reach the leg as they came — never as PCM — and barge-in,
// "what the caller heard" and resuming after a false interruption work as with 16 kHz PCM.
#include <doctest/doctest.h>

#include "dialog/conversation/Conversation.hpp"
#include "tests/dialog/conversation/ConversationHarness.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;

namespace {

void finishSpeaking(Harness& h) {
  REQUIRE(h.until([&] { return h.inState(TurnState::Listening) && h.out.empty(); }));
}

}  // namespace

TEST_CASE("mu-law TTS audio reaches the leg byte for byte, never as PCM") {
  Harness h({}, "Hello, how can I help?", true, true);
  finishSpeaking(h);
  CHECK_FALSE(h.tts->sentUlaw.empty());
  CHECK(h.out.ulawPlayed == h.tts->sentUlaw);
  // 5 words × 200 ms, counted in 16 kHz sample times like PCM.
  CHECK(h.out.played == 5 * 200 * 16);
  REQUIRE_FALSE(h.rec.lines.empty());
  CHECK(h.rec.lines.back().text == "Hello, how can I help?");
  CHECK_FALSE(h.rec.lines.back().interrupted);
}

TEST_CASE("barge-in on a mu-law reply stops playout within a frame and keeps the heard words") {
  Harness h({}, "Hello, how can I help?", true, true);
  finishSpeaking(h);
  interruptLongReply(h);  // playout pauses: the µ-law queue is flushed
  const size_t decisionFrame = h.out.frames.size();
  const size_t playedBytes = h.out.ulawPlayed.size();
  CHECK(h.inState(TurnState::UserSpeaking));
  CHECK(h.out.empty());
  h.stt->interim("wait what");
  h.run(200, true);
  for (size_t i = decisionFrame; i < h.out.frames.size(); ++i) CHECK_FALSE(h.out.frames[i]);
  CHECK(h.out.ulawPlayed.size() == playedBytes);
  REQUIRE(h.rec.bargeIns.size() == 1);
  const auto& b = h.rec.bargeIns[0];
  CHECK(b.heardText.rfind("Our hours are nine to", 0) == 0);
  CHECK(b.heardText.find("Saturday") == std::string::npos);
  CHECK(h.conv->history().turns().back().content == b.heardText);
  // What was played is exactly the start of what the TTS sent.
  REQUIRE(h.out.ulawPlayed.size() <= h.tts->sentUlaw.size());
  CHECK(std::equal(h.out.ulawPlayed.begin(), h.out.ulawPlayed.end(), h.tts->sentUlaw.begin()));
}

TEST_CASE("a cough pauses a mu-law reply and it resumes byte for byte where it stopped") {
  Harness h({}, "Hello, how can I help?", true, true);
  finishSpeaking(h);
  h.llm->scripts.push_back({{"We are at forty two Maple Street in Springfield next to the park."}});
  h.say("where are you");
  REQUIRE(h.until([&] { return h.inState(TurnState::AgentSpeaking); }, 3000));
  h.run(600);
  h.run(400, true);  // long enough to pause, no words follow
  CHECK(h.inState(TurnState::UserSpeaking));
  const size_t atPause = h.out.ulawPlayed.size();
  h.run(1600);  // false_interruption_timeout passes: the reply resumes
  CHECK(h.out.ulawPlayed.size() > atPause);
  finishSpeaking(h);
  CHECK(h.rec.bargeIns.empty());
  // Nothing skipped, nothing repeated: the leg played exactly the bytes the TTS sent.
  CHECK(h.out.ulawPlayed == h.tts->sentUlaw);
  CHECK(h.rec.lines.back().text ==
        "We are at forty two Maple Street in Springfield next to the park.");
}
