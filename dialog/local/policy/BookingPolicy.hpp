#pragma once
// Parley's scripted booking policy (issue 6, DESIGN.md §5): a deterministic, documented dialog
// that plays the receptionist when no language-model provider is configured. It is a set of
// rules, not a language model. Given an OpenAI-format conversation (system prompt, user turns,
// assistant turns with tool calls, tool results) it returns the next assistant message: text, or
// calls to the booking tools of tools/BookingTools.hpp, exactly as an OpenAI-compatible model
// would. It keeps no state between requests: it replays the conversation from the start, so the
// same conversation always yields the same reply.
//
// The script (dialog/local/README.md has the full table):
//  * no caller turn yet → the tenant's greeting;
//  * intents: book, reschedule, cancel, hours/prices/address (get_business_info), a person
//    (transfer_call), goodbye (a farewell and end_call);
//  * booking fills service → day (ambiguous days are asked about) → check_availability →
//    offers two or three slots ("the first one", "no, Wednesday", "later than that",
//    "actually make it 4") → name → read back and ask → book_appointment only after an
//    explicit yes → reads the booking back; slot_taken → offers the alternatives;
//  * cancel / reschedule: find_appointments → which one → confirm → cancel_appointment /
//    check_availability + reschedule_appointment;
//  * a turn with nothing usable: "Sorry, I didn't catch that — <the open question>"; after
//    kMaxUnclearTurns in a row it offers a person.
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/Clock.hpp"
#include "tools/Tenant.hpp"

namespace parley::dialog::local {

/// Unclear turns in a row before the policy offers a person: two retries is what a patient
/// receptionist gives before handing over.
constexpr int kMaxUnclearTurns = 3;
/// Slots offered in one breath: more than three is hard to remember on the phone.
constexpr size_t kOfferedSlots = 3;
/// Messages replayed per request: a long call is < 200; bounds work on hostile input.
constexpr size_t kMaxPolicyMessages = 2000;

struct PolicyToolCall {
  std::string id;  ///< "call_<n>_<i>": unique within one conversation
  std::string name;
  nlohmann::json arguments;
};

struct PolicyReply {
  std::string text;  ///< may be empty when only tools are called
  std::vector<PolicyToolCall> toolCalls;
};

class BookingPolicy {
 public:
  /// `clock` gives "now" (the tenant's today) and must outlive the policy.
  BookingPolicy(std::shared_ptr<const tools::Tenant> tenant, const core::Clock& clock);

  /// The next assistant message for `messages` (OpenAI chat format). Only tools named in
  /// `availableTools` are called (all booking tools when empty); with `allowTools` false the
  /// reply is text only (tool_choice "none"). Throws std::invalid_argument for a message list
  /// that is not an array of {role, content} objects (the server answers 400).
  PolicyReply next(const nlohmann::json& messages, const std::set<std::string>& availableTools = {},
                   bool allowTools = true) const;

  const tools::Tenant& tenant() const { return *tenant_; }

 private:
  std::shared_ptr<const tools::Tenant> tenant_;
  const core::Clock& clock_;
};

}  // namespace parley::dialog::local
