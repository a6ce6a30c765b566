#pragma once
// The outcome and a one-sentence summary of a call, from what its tools did (issue 7 "Records"):
// a booked / rescheduled / cancelled appointment (tool result "status"), a transfer, a caller who
// only asked questions (info_only), or one who said nothing (abandoned). Deterministic, so it is
// also what the local providers' calls record; an LLM summary can replace `summary` later.
#include <string>

#include "dialog/conversation/ConversationEvents.hpp"

namespace parley::dialog {

struct CallConclusion {
  CallOutcome outcome = CallOutcome::Abandoned;
  std::string summary;
};

/// `failed`: the call ended on an unrecoverable provider error.
CallConclusion concludeCall(const CallRecord& record, bool failed);

}  // namespace parley::dialog
