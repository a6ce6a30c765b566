#pragma once
// The system message for one call (issue 7 "History"): the tenant's own prompt, then the facts
// the model must not guess — business name and address, services, staff, today's date and time
// in the tenant's zone, and the caller's number — and the spoken-output rules.
#include <chrono>
#include <string>

#include "tools/Tenant.hpp"

namespace parley::dialog {

/// Builds the prompt. `now` is UTC (the clock's wall time); `callerNumber` may be empty
/// (browser calls: the model must ask for a number before booking).
std::string buildSystemPrompt(const tools::Tenant& tenant,
                              std::chrono::system_clock::time_point now,
                              const std::string& callerNumber);

}  // namespace parley::dialog
