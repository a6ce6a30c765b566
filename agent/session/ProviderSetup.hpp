#pragma once
// ProviderSettings for a tenant: the cloud providers from the usual environment variables
// (DEEPGRAM_API_KEY, OPENAI_API_KEY + OPENAI_BASE_URL, ELEVEN_API_KEY — DESIGN.md §5), or
// Parley's local engines at the URLs of a running dialog::local::LocalProviders.
#include "agent/session/ProviderSettings.hpp"
#include "dialog/local/LocalProviders.hpp"
#include "tools/Tenant.hpp"

namespace parley::agent {

/// Local engines: STT and TTS without keys, the scripted booking policy for `tenant`
/// (model "parley-booking:<tenant id>"), the tenant's voice.
ProviderSettings localProviderSettings(const dialog::local::LocalProviderUrls& urls,
                                       const tools::Tenant& tenant);

/// Cloud providers configured from the environment; the tenant's voice and language are used
/// where the provider takes them.
ProviderSettings cloudProviderSettings(const tools::Tenant& tenant);

}  // namespace parley::agent
