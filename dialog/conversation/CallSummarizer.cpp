#include "dialog/conversation/CallSummarizer.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace parley::dialog {

CallConclusion concludeCall(const CallRecord& record, bool failed) {
  CallConclusion c;
  std::vector<std::string> actions;
  for (const auto& t : record.toolCalls) {
    if (t.error) continue;
    auto r = nlohmann::json::parse(t.result, nullptr, false);
    if (!r.is_object()) continue;
    std::string status = r.value("status", "");
    auto appt = r.contains("appointment") ? r["appointment"] : nlohmann::json::object();
    std::string what = appt.is_object()
                           ? fmt::format("{} with {} on {}", appt.value("service", "?"),
                                         appt.value("staff", "?"), appt.value("spoken", "?"))
                           : std::string();
    if (status == "booked") {
      c.outcome = CallOutcome::Booked;
      actions.push_back("booked " + what);
    } else if (status == "rescheduled") {
      if (c.outcome != CallOutcome::Booked) c.outcome = CallOutcome::Rescheduled;
      actions.push_back("rescheduled to " + what);
    } else if (status == "cancelled") {
      if (c.outcome == CallOutcome::Abandoned || c.outcome == CallOutcome::InfoOnly)
        c.outcome = CallOutcome::Cancelled;
      actions.push_back("cancelled " + what);
    } else if (status == "transferring") {
      c.outcome = CallOutcome::Transferred;
      actions.push_back("transferred to " + r.value("destination", "the front desk"));
    }
  }
  bool callerSpoke = false;
  int callerLines = 0;
  for (const auto& l : record.transcript)
    if (l.speaker == Speaker::Caller) {
      callerSpoke = true;
      ++callerLines;
    }
  if (actions.empty()) c.outcome = callerSpoke ? CallOutcome::InfoOnly : CallOutcome::Abandoned;
  if (failed && actions.empty()) c.outcome = CallOutcome::Failed;
  std::string who = record.callerNumber.empty() ? "A caller" : "Caller " + record.callerNumber;
  if (actions.empty()) {
    c.summary = callerSpoke ? fmt::format("{} asked questions ({} utterances); nothing was booked.",
                                          who, callerLines)
                            : fmt::format("{} said nothing.", who);
  } else {
    std::string joined;
    for (size_t i = 0; i < actions.size(); ++i) joined += (i ? "; " : "") + actions[i];
    c.summary = fmt::format("{}: {}.", who, joined);
  }
  if (failed) c.summary += " The call ended on a provider failure.";
  return c;
}

}  // namespace parley::dialog
