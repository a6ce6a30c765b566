#pragma once
// Applies a call's language (tools::pickCallLanguage, issue 7 "Language") to the provider
// settings of its session before any client is made:
//  * STT: Deepgram's `language` query parameter gets the subtag ("fr"). The local STT has an
//    English model only: it accepts the parameter and still decodes English (logged once per
//    process and at debug level per call) — the call goes on, the LLM hears what it hears.
//  * TTS: an extra language's voice — its cloud voice id (ElevenLabs; unset = the worker's voice,
//    which is multilingual on the flash/turbo v2.5 models) or its local voice (flite for
//    English, "espeak-<voice>" for the rest); `language_code` for non-English text. An
//    English-only ElevenLabs model is replaced by eleven_flash_v2_5 for other languages.
//  * The conversation's own texts (filler, reprompt, goodbyes, apology) and backchannels, when
//    the language has its own set (non-English languages, or a tenant's `phrases:`).
// The tenant's default language keeps the voice and STT language its ProviderSettings were made
// with (WorkerContext::providerSettingsFor / localProviderSettings read the tenant's top level).
#include "agent/session/ProviderSettings.hpp"
#include "core/Log.hpp"
#include "tools/Tenant.hpp"
#include "tools/TenantLanguage.hpp"

namespace parley::agent {

/// Changes `settings` for `language`. Never throws; `log` carries the call's fields.
void applyCallLanguage(ProviderSettings& settings, const tools::CallLanguage& language,
                       const core::Logger& log);

/// Checks that the local TTS can speak every local voice of `tenant`'s extra languages (flite
/// voices are compiled in; "espeak-<voice>" needs that espeak-ng voice installed), so a missing
/// voice stops the start instead of failing each such call's TTS. Throws core::ConfigError naming
/// `languages[i].local_voice` and the tenant file. Call when the local TTS serves the tenant.
void checkLocalVoices(const tools::Tenant& tenant);

/// ElevenLabs models that speak English only (elevenlabs models page): v1 monolingual and the
/// v2 English turbo/flash models.
bool isEnglishOnlyElevenLabsModel(const std::string& modelId);

}  // namespace parley::agent
