#include "agent/session/ProviderSetup.hpp"

#include "tools/TenantLanguage.hpp"

namespace parley::agent {

using tools::languageSubtag;  // "en-US" → "en": Deepgram and ElevenLabs take the subtag

namespace {
/// The tenant's own words a caller says and a generic model misses (staff names, services),
/// passed to the STT as keywords/keyterms (issue 6).
std::vector<std::string> tenantVocabulary(const tools::Tenant& tenant) {
  std::vector<std::string> v;
  for (const auto& m : tenant.staff) v.push_back(m.name);
  for (const auto& s : tenant.services) v.push_back(s.name);
  return v;
}
}  // namespace

ProviderSettings localProviderSettings(const dialog::local::LocalProviderUrls& urls,
                                       const tools::Tenant& tenant) {
  ProviderSettings s;
  s.stt.url = urls.deepgramListen;
  s.stt.apiKey.clear();
  s.stt.language = languageSubtag(tenant.language);
  s.stt.expectVocabulary(tenantVocabulary(tenant));
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
  s.stt.expectVocabulary(tenantVocabulary(tenant));
  s.llm = dialog::OpenAiChatConfig::fromEnvironment();
  s.tts = dialog::ElevenLabsConfig::fromEnvironment();
  if (!tenant.voice.empty() && tenant.voice.size() > 8) s.tts.voiceId = tenant.voice;
  return s;
}

}  // namespace parley::agent
