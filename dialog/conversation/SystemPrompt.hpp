#pragma once
// The system message for one call (issue 7 "History"): the tenant's own prompt, then the facts
// the model must not guess — business name and address, services, staff, today's date and time
// in the tenant's zone, and the caller's number — the call's language and the greeting already
// spoken (issue 7 "Language"), and the spoken-output rules.
#include <chrono>
#include <string>

#include "tools/Tenant.hpp"
#include "tools/TenantLanguage.hpp"

namespace parley::dialog {

/// Builds the prompt. `now` is UTC (the clock's wall time); `callerNumber` may be empty
/// (browser calls: the model must ask for a number before booking). `language` is the call's
/// (tools::pickCallLanguage): its prompt text is used, the model is told to speak that language,
/// and its greeting is quoted as already said, so the reply does not greet twice.
std::string buildSystemPrompt(const tools::Tenant& tenant,
                              std::chrono::system_clock::time_point now,
                              const std::string& callerNumber, const tools::CallLanguage& language);

}  // namespace parley::dialog
