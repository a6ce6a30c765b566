#include "agent/session/ProviderSetup.hpp"

#include "tools/TenantLanguage.hpp"

namespace parley::agent {

using tools::languageSubtag;  // "en-US" → "en": Deepgram and ElevenLabs take the subtag

ProviderSettings localProviderSettings(const dialog::local::LocalProviderUrls& urls,
                                       const tools::Tenant& tenant) {
  ProviderSettings s;
  s.stt.url = urls.deepgramListen;
  s.stt.apiKey.clear();
  s.stt.language = languageSubtag(tenant.language);
  s.tts.url = urls.elevenLabsStream;
  s.tts.apiKey.clear();
  s.tts.voiceId = tenant.voice.empty() ? "slt" : tenant.voice;
  s.llm.baseUrl = urls.openAiBase;
  s.llm.apiKey.clear();
  s.llm.model = "parley-booking:" + tenant.id;
  s.localStt = true;
  s.localTts = true;
  return s;
}

ProviderSettings cloudProviderSettings(const tools::Tenant& tenant) {
  ProviderSettings s;
  s.stt = dialog::DeepgramConfig::fromEnvironment();
  s.stt.language = languageSubtag(tenant.language);
  s.llm = dialog::OpenAiChatConfig::fromEnvironment();
  s.tts = dialog::ElevenLabsConfig::fromEnvironment();
  if (!tenant.voice.empty() && tenant.voice.size() > 8) s.tts.voiceId = tenant.voice;
  return s;
}

}  // namespace parley::agent
