// The local booking policy's view of a call (internal to dialog/local/policy): the open question,
// the slots being filled, and how each caller turn and tool result changes them. BookingPolicy.cpp
// decides what to say from this state; this file's .cpp reads turns and results into it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dialog/local/policy/BookingPolicy.hpp"
#include "dialog/local/policy/Utterance.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::dialog::local::policy {

using json = nlohmann::json;
using tools::DateCandidate;

/// The open question of the last assistant turn: how the next caller turn is read.
enum class Ask {
  None,
  Service,
  Day,
  WhichDay,
  Slot,
  Name,
  Phone,
  Confirm,
  WhichAppointment,
  ConfirmCancel,
  AnythingElse,
  OfferPerson
};

/// Minute of the day of a check_availability slot {"start": ISO local, "spoken", …}; -1 if the
/// start is malformed.
int slotMinute(const json& slot);
/// "YYYY-MM-DD" of a slot's start ("" if missing).
std::string slotDate(const json& slot);
/// "Tuesday, January 7 at 2:30 PM" → {"Tuesday, January 7", "2:30 PM"}.
std::pair<std::string, std::string> splitSpoken(const std::string& spoken);
/// "a, b or c".
std::string joinOr(const std::vector<std::string>& items);
/// A phrase DatePhraseParser reads back as exactly this day and time ("january 7 at 14:30").
std::string dayTimePhrase(date::local_days day, int minute);

struct Decision {
  std::string text;
  std::vector<PolicyToolCall> calls;
  Ask ask = Ask::None;
};

struct State {
  const tools::Tenant& tenant;
  date::local_days today;
  const std::set<std::string>& tools;
  bool allowTools = true;

  bool sawUser = false;
  int assistantTurns = 0;
  Ask ask = Ask::None;
  int unclear = 0;
  bool unclearNow = false;

  Intent task = Intent::None;  ///< Book, Reschedule, Cancel or None
  std::vector<Intent> info;    ///< Hours / Prices / Address asked and not yet answered
  bool infoCalled = false;
  std::optional<json> infoResult;
  bool goodbye = false, endCalled = false;
  bool person = false, transferCalled = false;

  const tools::Service* service = nullptr;
  const tools::StaffMember* staff = nullptr;
  std::optional<DateCandidate> day;
  std::vector<DateCandidate> dayOptions;
  std::optional<int> minute;
  std::optional<int> after;
  std::string partOfDay;
  bool needCheck = false;
  std::optional<json> checkResult;  ///< fresh result not yet spoken
  json shown = json::array();       ///< slots offered in the last turn
  std::optional<json> chosen;
  bool takenNotice = false;
  std::string name, phone;
  bool needPhone = false;
  bool confirmed = false, bookCalled = false;
  std::optional<json> done;  ///< booked / cancelled / rescheduled result not yet spoken
  std::optional<json> toolFailure;

  std::optional<json> appointments;  ///< find_appointments result
  bool findCalled = false;
  std::optional<json> target;

  bool can(const std::string& tool) const {
    return allowTools && (tools.empty() || tools.count(tool) > 0);
  }
  void resetTask(Intent next) {
    task = next;
    service = nullptr;
    staff = nullptr;
    day.reset();
    dayOptions.clear();
    minute.reset();
    after.reset();
    partOfDay.clear();
    needCheck = false;
    checkResult.reset();
    shown = json::array();
    chosen.reset();
    takenNotice = false;
    confirmed = bookCalled = false;
    target.reset();
    toolFailure.reset();
  }
};

/// A tool call of this assistant turn, with an id unique in the conversation.
PolicyToolCall makeCall(State& s, std::string name, json args, size_t index = 0);
/// Applies one caller turn (the transcript text) to the state.
void applyUser(State& s, const std::string& text);
/// Applies one tool result (the JSON the tool returned, or an error object) to the state.
void applyTool(State& s, const std::string& name, const json& result);

}  // namespace parley::dialog::local::policy
