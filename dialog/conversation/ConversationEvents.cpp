#include "dialog/conversation/ConversationEvents.hpp"

namespace parley::dialog {

const char* toString(TurnState state) noexcept {
  switch (state) {
    case TurnState::Listening:
      return "listening";
    case TurnState::UserSpeaking:
      return "user_speaking";
    case TurnState::Thinking:
      return "thinking";
    case TurnState::AgentSpeaking:
      return "agent_speaking";
    case TurnState::Ended:
      return "ended";
  }
  return "?";
}

const char* toString(Speaker speaker) noexcept {
  return speaker == Speaker::Caller ? "caller" : "agent";
}

const char* toString(CallOutcome outcome) noexcept {
  switch (outcome) {
    case CallOutcome::Booked:
      return "booked";
    case CallOutcome::Rescheduled:
      return "rescheduled";
    case CallOutcome::Cancelled:
      return "cancelled";
    case CallOutcome::InfoOnly:
      return "info_only";
    case CallOutcome::Transferred:
      return "transferred";
    case CallOutcome::Abandoned:
      return "abandoned";
    case CallOutcome::Failed:
      return "failed";
  }
  return "?";
}

}  // namespace parley::dialog
