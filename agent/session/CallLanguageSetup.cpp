#include "agent/session/CallLanguageSetup.hpp"

#include <atomic>

#include "core/Error.hpp"
#include "dialog/local/tts/Synthesizer.hpp"

namespace parley::agent {
namespace {

/// The multilingual ElevenLabs model used when the configured one speaks English only: the
/// low-latency one, as for every Parley call.
constexpr const char* kMultilingualModel = "eleven_flash_v2_5";

void applyPhrases(dialog::ConversationConfig& c, const tools::SpokenPhrases& p) {
  c.fillerText = p.filler;
  c.repromptText = p.reprompt;
  c.silenceGoodbyeText = p.silenceGoodbye;
  c.maxDurationText = p.maxDuration;
  c.apologyText = p.apology;
  c.failGoodbyeText = p.failGoodbye;
  c.transferUnavailableText = p.transferUnavailable;
  if (!p.backchannels.empty()) c.backchannels = p.backchannels;
}

}  // namespace

void checkLocalVoices(const tools::Tenant& tenant) {
  for (size_t i = 0; i < tenant.languages.size(); ++i) {
    const std::string& voice = tenant.languages[i].localVoice;
    if (voice.rfind("espeak-", 0) != 0) continue;  // flite: validated by the loader
    try {
      dialog::local::makeEspeak(voice.substr(7));
    } catch (const std::exception& e) {
      throw core::ConfigError("languages[" + std::to_string(i) + "].local_voice", tenant.sourceFile,
                              "the local TTS cannot speak '" + voice + "': " + e.what() +
                                  " (espeak-ng --voices lists the installed ones)");
    }
  }
}

bool isEnglishOnlyElevenLabsModel(const std::string& modelId) {
  return modelId == "eleven_monolingual_v1" || modelId == "eleven_turbo_v2" ||
         modelId == "eleven_flash_v2" || modelId == "eleven_english_sts_v2";
}

void applyCallLanguage(ProviderSettings& settings, const tools::CallLanguage& language,
                       const core::Logger& log) {
  const std::string subtag = tools::languageSubtag(language.tag);
  const bool english = subtag == "en";
  if (language.phrases) applyPhrases(settings.conversation, *language.phrases);
  if (settings.localStt && !english) {
    static std::atomic<bool> noted{false};
    if (!noted.exchange(true))
      log.warn(
          "the local STT has an English model only: {} callers are transcribed as English "
          "(set DEEPGRAM_API_KEY for other languages)",
          language.name.empty() ? language.tag : language.name);
    else
      log.debug("local STT: English model for a {} call", language.tag);
  }
  if (!language.extra) return;  // the default language: settings were made for it
  const tools::TenantLanguage& extra = *language.extra;
  settings.stt.language = subtag;
  settings.tts.languageCode = english ? "" : subtag;
  if (settings.localTts) {
    settings.tts.voiceId = extra.localVoice;
    return;
  }
  if (!extra.voice.empty()) settings.tts.voiceId = extra.voice;
  if (!english && isEnglishOnlyElevenLabsModel(settings.tts.modelId)) {
    log.info("TTS model {} speaks English only: using {} for this {} call", settings.tts.modelId,
             kMultilingualModel, language.tag);
    settings.tts.modelId = kMultilingualModel;
  }
}

}  // namespace parley::agent
