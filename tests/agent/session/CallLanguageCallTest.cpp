// A whole call in the caller's language (issue 7 "Language"): a +33 caller of the multilingual
// example tenant (config/tenants/rhine.yaml) is greeted in French by espeak-ng's French voice
// through the local TTS, the STT request asks for French, the agent's own phrases are French,
// and the record says fr-FR. The LLM and TTS are Parley's local engines; the STT is a Deepgram
// protocol peer that records the request (the local STT has an English model only and would
// not show what was asked of it). Virtual time.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "agent/session/CallerScript.hpp"
#include "agent/session/ScriptedCall.hpp"
#include "dialog/local/tts/Synthesizer.hpp"
#include "tests/agent/session/ShippedTenants.hpp"
#include "tests/dialog/DeepgramTestServer.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley;
using namespace parley::agent;

namespace {

std::shared_ptr<const tools::Tenant> rhineTenant() {
  return agent::test::shippedTenant("rhine");
}

/// Milliseconds of `samples` (mono, `rate` Hz) in 20 ms frames louder than -40 dBFS: the
/// speech in it, whatever pauses a splitter or playout put between sentences.
double activeMs(const std::vector<int16_t>& samples, int rate, size_t from = 0,
                size_t to = SIZE_MAX) {
  const size_t frame = static_cast<size_t>(rate) / 50;
  to = std::min(to, samples.size());
  int active = 0;
  for (size_t i = from; i + frame <= to; i += frame) {
    double sum = 0;
    for (size_t k = i; k < i + frame; ++k) sum += double(samples[k]) * samples[k];
    if (std::sqrt(sum / double(frame)) > 328.0) ++active;  // 0.01 full scale
  }
  return active * 20.0;
}

/// Speech time of `sentences` spoken one by one by `engine` (as the conversation sends them).
double spokenMs(dialog::local::Synthesizer& engine, const std::vector<std::string>& sentences) {
  double ms = 0;
  for (const auto& s : sentences) {
    auto audio = engine.synthesize(s);
    ms += activeMs(audio.samples, audio.sampleRate);
  }
  return ms;
}

/// A call of the rhine tenant from `caller`, who says nothing for `silentS` seconds: local LLM
/// and TTS, the STT at `deepgram`. A fresh booking store in a temp folder.
ScriptedCallResult silentCall(const std::string& caller, int silentS,
                              dialog::test::DeepgramTestServer& deepgram) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("parley-lang-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ScriptedCallSetup setup;
  setup.tenant = rhineTenant();
  setup.store = std::make_shared<tools::SqliteBookingStore>(dir / "bookings.sqlite");
  setup.script = CallerScript::parse("caller: \"" + caller +
                                     "\"\nturns:\n  - silence: " + std::to_string(silentS) + "\n");
  setup.adjustProviders = [&](ProviderSettings& p) {
    p.stt.url = deepgram.url();
    p.stt.apiKey = dialog::test::DeepgramTestServer::kKey;
    p.localStt = false;
  };
  auto result = runScriptedCall(std::move(setup));
  std::filesystem::remove_all(dir);
  return result;
}

std::vector<std::string> agentLines(const dialog::CallRecord& r) {
  std::vector<std::string> out;
  for (const auto& l : r.transcript)
    if (l.speaker == dialog::Speaker::Agent) out.push_back(l.text);
  return out;
}

}  // namespace

TEST_CASE("a +33 caller is greeted in French by espeak-ng, the STT is asked for French") {
  dialog::test::DeepgramTestServer deepgram;
  // Silent caller: the greeting, two reprompts and the goodbye, all in the agent's own words.
  auto result = silentCall("+33 6 12 34 56 78", 40, deepgram);
  const auto& r = result.record;
  auto said = agentLines(r);
  std::string joined;
  for (const auto& l : said) joined += l + " | ";
  INFO(joined);

  CHECK(r.language == "fr-FR");
  REQUIRE(said.size() >= 4);
  CHECK(said[0] == "Merci d'avoir appelé Rhine Valley Physio. Comment puis-je vous aider ?");
  CHECK(said[1] == "Vous êtes toujours là ?");
  CHECK(said[2] == "Vous êtes toujours là ?");
  CHECK(said[3] == "Je n'entends plus rien, je vais donc raccrocher. Au revoir !");
  CHECK(r.endReason == "silence");

  // The STT request on the wire carries the call's language.
  auto requests = deepgram.requests();
  REQUIRE_FALSE(requests.empty());
  CHECK(requests[0].arg("language") == "fr");

  // The greeting was spoken (audio reached the caller), and by espeak-ng's French voice: its
  // speech time matches espeak-ng "fr" saying the same sentences, not flite's English voice.
  const std::vector<std::string> greeting = {"Merci d'avoir appelé Rhine Valley Physio.",
                                             "Comment puis-je vous aider ?"};
  auto espeak = dialog::local::makeEspeak("fr");
  auto flite = dialog::local::makeFlite("slt");
  const double heard = activeMs(result.agentAudio, 16000, 0, 16000 * 7);  // before the reprompt
  const double expected = spokenMs(*espeak, greeting);
  const double english = spokenMs(*flite, greeting);
  MESSAGE("greeting heard " << heard << " ms; espeak-ng fr " << expected << " ms; flite slt "
                            << english << " ms");
  CHECK(heard > 1000);
  CHECK(std::abs(heard - expected) < 0.15 * expected);
  CHECK(std::abs(heard - expected) < std::abs(heard - english));
}

TEST_CASE("a +1 caller of the same tenant gets the English default") {
  dialog::test::DeepgramTestServer deepgram;
  auto result = silentCall("+15555550123", 20, deepgram);
  auto said = agentLines(result.record);
  CHECK(result.record.language == "en-US");
  REQUIRE_FALSE(said.empty());
  CHECK(said[0] == rhineTenant()->greeting);
  REQUIRE_FALSE(deepgram.requests().empty());
  CHECK(deepgram.requests()[0].arg("language") == "en");
}
