// A call's language applied to its providers (agent/session/CallLanguageSetup, issue 7
// "Language"): the STT language, the TTS voice (local espeak-ng / flite or cloud voice id and
// model), and the conversation's own phrases — and nothing changed for the default language.
#include <doctest/doctest.h>

#include "agent/session/CallLanguageSetup.hpp"
#include "agent/session/ProviderSetup.hpp"
#include "core/Error.hpp"
#include "tools/TenantLoader.hpp"

using namespace parley;
using namespace parley::agent;

namespace {

std::shared_ptr<const tools::Tenant> rhine() {
  static auto t = std::make_shared<const tools::Tenant>(
      tools::loadTenantFile(PARLEY_SOURCE_DIR "/config/tenants/rhine.yaml"));
  return t;
}

ProviderSettings local() {
  dialog::local::LocalProviderUrls urls{"ws://127.0.0.1:1/v1/listen",
                                        "ws://127.0.0.1:2/v1/text-to-speech/{voice}/stream-input",
                                        "http://127.0.0.1:3/v1"};
  return localProviderSettings(urls, *rhine());
}

const core::Logger kLog("test");

}  // namespace

TEST_CASE("a French call on local engines: espeak-ng's French voice, STT language fr, phrases") {
  ProviderSettings s = local();
  CHECK(s.localStt);
  CHECK(s.tts.voiceId == "slt");  // the tenant's default voice before the language is applied
  auto lang = tools::pickCallLanguage(*rhine(), "+33612345678");
  applyCallLanguage(s, lang, kLog);
  CHECK(s.stt.language == "fr");
  CHECK(s.tts.voiceId == "espeak-fr");
  CHECK(s.tts.languageCode == "fr");
  CHECK(s.conversation.repromptText == "Vous êtes toujours là ?");
  CHECK(s.conversation.fillerText == "Un instant, je vérifie.");
  CHECK(std::find(s.conversation.backchannels.begin(), s.conversation.backchannels.end(),
                  "d'accord") != s.conversation.backchannels.end());
}

TEST_CASE("a German call on cloud providers: its voice id, a multilingual model") {
  ProviderSettings s = cloudProviderSettings(*rhine());
  s.tts.modelId = "eleven_turbo_v2";  // English only: replaced for German
  auto lang = tools::pickCallLanguage(*rhine(), "+4930123456");
  REQUIRE(lang.tag == "de-DE");
  const std::string workerVoice = s.tts.voiceId;
  applyCallLanguage(s, lang, kLog);
  CHECK(s.stt.language == "de");
  CHECK(s.tts.voiceId == workerVoice);  // no cloud voice listed: the worker's (multilingual)
  CHECK(s.tts.languageCode == "de");
  CHECK(s.tts.modelId == "eleven_flash_v2_5");
  CHECK(s.conversation.repromptText == "Sind Sie noch da?");
  CHECK(isEnglishOnlyElevenLabsModel("eleven_monolingual_v1"));
  CHECK_FALSE(isEnglishOnlyElevenLabsModel("eleven_multilingual_v2"));
}

TEST_CASE("the default language leaves the providers as the tenant's settings made them") {
  ProviderSettings s = local();
  const ProviderSettings before = s;
  for (const char* caller : {"+15555550123", "", "+442079460000"}) {
    CAPTURE(caller);
    ProviderSettings t = before;
    applyCallLanguage(t, tools::pickCallLanguage(*rhine(), caller), kLog);
    CHECK(t.stt.language == "en");
    CHECK(t.tts.voiceId == "slt");
    CHECK(t.tts.languageCode.empty());
    CHECK(t.conversation.repromptText == before.conversation.repromptText);
    CHECK(t.conversation.backchannels == before.conversation.backchannels);
  }
}

TEST_CASE("a local voice espeak-ng does not have stops the start with the tenant file and key") {
  CHECK_NOTHROW(checkLocalVoices(*rhine()));  // espeak-fr, espeak-de
  tools::Tenant t = *rhine();
  t.languages[1].localVoice = "espeak-no-such-voice";
  try {
    checkLocalVoices(t);
    FAIL("accepted");
  } catch (const core::ConfigError& e) {
    std::string m = e.what();
    CHECK(m.find("rhine.yaml: languages[1].local_voice: the local TTS cannot speak "
                 "'espeak-no-such-voice'") != std::string::npos);
  }
}
