#include <doctest/doctest.h>

#include "dialog/conversation/SentenceSplitter.hpp"

using parley::dialog::SentenceSplitter;

namespace {
std::vector<std::string> splitAll(const std::vector<std::string>& deltas) {
  SentenceSplitter s;
  std::vector<std::string> out;
  for (const auto& d : deltas)
    for (auto& x : s.feed(d)) out.push_back(x);
  for (auto& x : s.flush()) out.push_back(x);
  return out;
}
}  // namespace

TEST_CASE("splits sentences as deltas arrive") {
  SentenceSplitter s;
  CHECK(s.feed("We have an opening on Tues").empty());
  CHECK(s.feed("day.").empty());  // the next character decides
  auto out = s.feed(" Would that work?");
  REQUIRE(out.size() == 1);
  CHECK(out[0] == "We have an opening on Tuesday.");
  auto rest = s.flush();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0] == "Would that work?");
}

TEST_CASE("abbreviations numbers and times do not end a sentence") {
  auto out = splitAll({"Dr. Lee can see you at 2:30 p.m. on Friday, the 3.5 hour slot. ",
                       "It costs $95.50 in total. See you then!"});
  REQUIRE(out.size() == 3);
  CHECK(out[0] == "Dr. Lee can see you at 2:30 p.m. on Friday, the 3.5 hour slot.");
  CHECK(out[1] == "It costs $95.50 in total.");
  CHECK(out[2] == "See you then!");
}

TEST_CASE("p.m. followed by a capital ends the sentence") {
  auto out = splitAll({"Your visit is at 3 p.m. See you soon, goodbye."});
  REQUIRE(out.size() == 2);
  CHECK(out[0] == "Your visit is at 3 p.m.");
}

TEST_CASE("short sentences join the next one") {
  auto out = splitAll({"Sure. ", "Let me check that for you. ", "Okay."});
  REQUIRE(out.size() == 2);
  CHECK(out[0] == "Sure. Let me check that for you.");
  CHECK(out[1] == "Okay.");
}

TEST_CASE("a run-on clause is cut at a comma") {
  std::string longText;
  for (int i = 0; i < 12; ++i) longText += "and then another thing happens, ";
  SentenceSplitter s;
  auto out = s.feed(longText);
  REQUIRE_FALSE(out.empty());
  for (const auto& x : out) CHECK(x.size() <= SentenceSplitter::kMaxClauseChars);
  CHECK(out[0].back() == ',');
}

TEST_CASE("ellipses question runs and quotes") {
  auto out = splitAll({"Well... I am not sure?! She said \"yes.\" Then we booked it."});
  REQUIRE(out.size() == 3);
  CHECK(out[0] == "Well... I am not sure?!");
  CHECK(out[1] == "She said \"yes.\"");
  CHECK(out[2] == "Then we booked it.");
}
