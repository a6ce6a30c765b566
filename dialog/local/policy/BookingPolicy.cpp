#include "dialog/local/policy/BookingPolicy.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>

#include "dialog/local/policy/PolicyState.hpp"
#include "dialog/local/policy/Utterance.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::dialog::local {
namespace {

using namespace policy;  // the state this file decides from (PolicyState.hpp)

std::string serviceList(const tools::Tenant& t) {
  std::vector<std::string> names;
  for (const auto& svc : t.services) names.push_back(tools::toLowerAscii(svc.name));
  return joinOr(names);
}

std::string speakInfo(const State& s, const json& r) {
  std::string out;
  for (Intent i : s.info) {
    if (i == Intent::Hours && r.contains("hours")) {
      const json& h = r["hours"];
      out += "We're open Monday " + h.value("Monday", std::string("closed")) + ", Saturday " +
             h.value("Saturday", std::string("closed")) + ", and Sunday " +
             h.value("Sunday", std::string("closed")) + ". ";
      // Weekdays usually share hours; say them once.
      std::string weekdays = h.value("Monday", std::string());
      bool same = true;
      for (const char* d : {"Tuesday", "Wednesday", "Thursday", "Friday"})
        same = same && h.value(d, std::string()) == weekdays;
      if (same)
        out = "We're open Monday to Friday " + weekdays + ", Saturday " +
              h.value("Saturday", std::string("closed")) + ", and on Sunday we're " +
              (h.value("Sunday", std::string("closed")) == "closed"
                   ? std::string("closed")
                   : "open " + h.value("Sunday", std::string())) +
              ". ";
    } else if (i == Intent::Prices && r.contains("services")) {
      std::vector<std::string> items;
      for (const auto& svc : r["services"])
        items.push_back(tools::toLowerAscii(svc.value("name", "")) + " is " +
                        svc.value("price", std::string("")));
      std::string list;
      for (size_t k = 0; k < items.size(); ++k)
        list += (k ? (k + 1 == items.size() ? ", and " : ", ") : "") + items[k];
      if (!list.empty())
        list[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(list[0])));
      out += list + ". ";
    } else if (i == Intent::Address && r.contains("address")) {
      out += "We're at " + r.value("address", std::string()) + ". ";
    }
  }
  return out;
}

/// The next step of a booking or a reschedule (which shares the slot dialogue).
Decision slotStep(State& s, const std::string& prefix) {
  Decision d;
  const bool reschedule = s.task == Intent::Reschedule;
  if (!s.service) {
    d.ask = Ask::Service;
    d.text = prefix + "What would you like to book? We offer " + serviceList(s.tenant) + ".";
    return d;
  }
  if (!s.day && s.dayOptions.size() > 1) {
    std::vector<std::string> days;
    for (const auto& c : s.dayOptions) days.push_back(tools::speakableDay(c.firstDay));
    d.ask = Ask::WhichDay;
    d.text = prefix + "Just to be sure, do you mean " + joinOr(days) + "?";
    return d;
  }
  if (!s.day) {
    d.ask = Ask::Day;
    d.text = prefix + (prefix.empty() ? "Sure, a " + tools::toLowerAscii(s.service->name) +
                                            ". Which day works for you?"
                                      : "Which day works for you?");
    if (!prefix.empty()) d.text = prefix + "Which day works for you?";
    return d;
  }
  if (s.needCheck && s.can("check_availability")) {
    s.needCheck = false;
    json args = {{"service", s.service->id}, {"max_results", 10}};
    if (s.day->isRange()) {
      args["date_from"] = tools::isoDate(s.day->firstDay);
      args["date_to"] = tools::isoDate(s.day->lastDay);
    } else if (s.minute || s.after) {
      args["date"] = dayTimePhrase(s.day->firstDay, s.minute ? *s.minute : *s.after + 60);
    } else {
      args["date"] = tools::isoDate(s.day->firstDay);
    }
    if (!s.minute && !s.after && !s.partOfDay.empty()) args["time_of_day"] = s.partOfDay;
    if (s.staff) args["staff"] = s.staff->id;
    d.text = "Let me check.";
    d.calls.push_back(makeCall(s, "check_availability", args));
    return d;
  }
  if (s.toolFailure) {
    std::string msg = (*s.toolFailure)["error"].value("message", std::string("That didn't work."));
    s.toolFailure.reset();
    s.day.reset();
    s.minute.reset();
    d.ask = Ask::Day;
    d.text = prefix + "Sorry, I can't do that: " + msg + " Which other day would work?";
    return d;
  }
  if (s.checkResult) {
    json result = std::move(*s.checkResult);
    s.checkResult.reset();
    std::vector<json> slots;
    for (const auto& slot : result.value("slots", json::array()))
      if (!s.after || slotMinute(slot) > *s.after) slots.push_back(slot);
    std::string lead = s.takenNotice ? "Sorry, that time was just taken. " : "";
    s.takenNotice = false;
    if (s.minute && !slots.empty()) {
      for (const auto& slot : slots)
        if (slotMinute(slot) == *s.minute) {
          s.chosen = slot;
          s.shown = json::array({slot});
          break;
        }
      if (!s.chosen) {
        // The nearest three to the time asked for, in time order.
        int want = *s.minute;
        std::stable_sort(slots.begin(), slots.end(), [want](const json& a, const json& b) {
          return std::abs(slotMinute(a) - want) < std::abs(slotMinute(b) - want);
        });
        if (slots.size() > kOfferedSlots) slots.resize(kOfferedSlots);
        std::sort(slots.begin(), slots.end(), [](const json& a, const json& b) {
          return a.value("start", "") < b.value("start", "");
        });
        lead += "That exact time isn't free. ";
      }
    }
    if (!s.chosen) {
      if (slots.empty()) {
        json next = result.value("next_available", json::array());
        if (next.empty()) {
          s.day.reset();
          s.minute.reset();
          s.after.reset();
          d.ask = Ask::Day;
          d.text = prefix + lead + "Sorry, there's nothing free then. Which other day would work?";
          return d;
        }
        for (const auto& slot : next) slots.push_back(slot);
        lead += "Sorry, there's nothing free then. ";
      }
      if (slots.size() > kOfferedSlots) slots.resize(kOfferedSlots);
      s.shown = json::array();
      std::vector<std::string> spoken;
      std::string firstDay = splitSpoken(slots[0].value("spoken", "")).first;
      bool sameDay = true;
      for (const auto& slot : slots) {
        s.shown.push_back(slot);
        sameDay = sameDay && splitSpoken(slot.value("spoken", "")).first == firstDay;
      }
      for (const auto& slot : slots)
        spoken.push_back(sameDay ? splitSpoken(slot.value("spoken", "")).second
                                 : slot.value("spoken", std::string()));
      d.ask = Ask::Slot;
      d.text = prefix + lead + (sameDay ? "On " + firstDay + " I have " : "I have ") +
               joinOr(spoken) +
               (slots.size() == 1 ? ". Would that work?" : ". Which would you like?");
      return d;
    }
  }
  if (!s.chosen) {
    std::vector<std::string> spoken;
    for (const auto& slot : s.shown) spoken.push_back(slot.value("spoken", std::string()));
    d.ask = Ask::Slot;
    d.text = prefix + (spoken.empty() ? "Which time would you like?"
                                      : "Which time would you like: " + joinOr(spoken) + "?");
    return d;
  }
  if (!reschedule && s.name.empty()) {
    d.ask = Ask::Name;
    d.text = prefix + "May I have your name, please?";
    return d;
  }
  if (s.needPhone && s.phone.empty()) {
    d.ask = Ask::Phone;
    d.text = prefix + "What phone number should the appointment be under?";
    return d;
  }
  const std::string when = s.chosen->value("spoken", std::string());
  const std::string with = s.chosen->value("staff", std::string());
  if (!s.confirmed) {
    d.ask = Ask::Confirm;
    if (reschedule)
      d.text = prefix + "To confirm: move your " +
               tools::toLowerAscii((*s.target).value("service", std::string("appointment"))) +
               " to " + when + " with " + with + ". Shall I go ahead?";
    else
      d.text = prefix + "To confirm: a " + tools::toLowerAscii(s.service->name) + " with " + with +
               " on " + when + ", under the name " + s.name + ". Shall I book it?";
    return d;
  }
  if (!s.bookCalled) {
    s.bookCalled = true;
    if (reschedule) {
      if (!s.can("reschedule_appointment"))
        return {"I'm not able to change appointments right now.", {}, Ask::AnythingElse};
      d.calls.push_back(makeCall(s, "reschedule_appointment",
                                 {{"appointment_id", (*s.target).value("appointment_id", "")},
                                  {"new_start", s.chosen->value("start", "")}}));
    } else {
      if (!s.can("book_appointment"))
        return {"I'm not able to book right now.", {}, Ask::AnythingElse};
      json args = {{"service", s.service->id},
                   {"start", s.chosen->value("start", "")},
                   {"customer_name", s.name},
                   {"staff", s.chosen->value("staff_id", "")}};
      if (!s.phone.empty()) args["customer_phone"] = s.phone;
      d.calls.push_back(makeCall(s, "book_appointment", args));
    }
    d.text = "One moment.";
    return d;
  }
  d.text = "One moment.";
  return d;
}

Decision cancelStep(State& s, const std::string& prefix) {
  Decision d;
  if (s.needPhone && s.phone.empty()) {
    d.ask = Ask::Phone;
    d.text = prefix + "What phone number is the appointment under?";
    return d;
  }
  if (!s.appointments && !s.findCalled && s.can("find_appointments")) {
    s.findCalled = true;
    json args = json::object();
    if (!s.phone.empty()) args["customer_phone"] = s.phone;
    d.text = "Let me look that up.";
    d.calls.push_back(makeCall(s, "find_appointments", args));
    return d;
  }
  if (s.toolFailure) {
    std::string msg = (*s.toolFailure)["error"].value("message", std::string("That didn't work."));
    s.toolFailure.reset();
    s.resetTask(Intent::None);
    d.ask = Ask::AnythingElse;
    d.text = "Sorry, " + msg + " Is there anything else I can help with?";
    return d;
  }
  if (!s.appointments) return {"One moment.", {}, Ask::None};
  const json& list = (*s.appointments)["appointments"];
  if (list.empty()) {
    s.resetTask(Intent::None);
    d.ask = Ask::AnythingElse;
    d.text =
        "I don't see any upcoming appointments under your number. Is there anything else I "
        "can help with?";
    return d;
  }
  if (!s.target && list.size() == 1) s.target = list[0];
  if (!s.target) {
    std::vector<std::string> items;
    for (const auto& a : list)
      items.push_back("a " + tools::toLowerAscii(a.value("service", "")) + " on " +
                      a.value("spoken", ""));
    d.ask = Ask::WhichAppointment;
    d.text = prefix + "I see " + joinOr(items) + ". Which one?";
    return d;
  }
  return d;  // target known: the caller goes on with cancelAction / slotStep
}

Decision decide(State& s) {
  Decision d;
  std::string prefix;
  if (s.unclearNow) {
    s.unclearNow = false;
    if (s.unclear >= kMaxUnclearTurns && s.can("transfer_call")) {
      d.ask = Ask::OfferPerson;
      d.text =
          "I'm sorry, I'm having trouble understanding. Would you like me to connect you "
          "with a person at the front desk?";
      return d;
    }
    prefix = "Sorry, I didn't catch that. ";
  }
  if (s.goodbye) {
    d.text = "Thank you for calling " + s.tenant.displayName + ". Goodbye!";
    if (!s.endCalled && s.can("end_call")) {
      s.endCalled = true;
      d.calls.push_back(makeCall(s, "end_call", {{"reason", "completed"}}));
    } else if (s.endCalled) {
      d.text = "Goodbye!";
    }
    return d;
  }
  if (s.person) {
    if (!s.transferCalled && s.can("transfer_call")) {
      s.transferCalled = true;
      d.text = "Of course. Let me connect you with the front desk.";
      d.calls.push_back(makeCall(s, "transfer_call", {{"destination", "front_desk"}}));
      return d;
    }
    d.text = s.transferCalled ? "Please hold while I connect you."
                              : "I'm sorry, nobody can take the call right now. Can I help you "
                                "book, change or cancel an appointment?";
    if (!s.transferCalled) s.person = false;
    return d;
  }
  std::string infoText;
  if (!s.info.empty()) {
    if (!s.infoResult && !s.infoCalled && s.can("get_business_info")) {
      s.infoCalled = true;
      std::string topic = "all";
      if (s.info.size() == 1)
        topic = s.info[0] == Intent::Hours    ? "hours"
                : s.info[0] == Intent::Prices ? "prices"
                                              : "address";
      d.calls.push_back(makeCall(s, "get_business_info", {{"topic", topic}}));
      return d;
    }
    if (s.infoResult) infoText = speakInfo(s, *s.infoResult);
    s.info.clear();
    s.infoResult.reset();
    s.infoCalled = false;
    prefix = prefix + infoText;
  }
  if (s.done) {
    json r = std::move(*s.done);
    s.done.reset();
    json ap = r.value("appointment", json::object());
    std::string status = r.value("status", std::string());
    if (status == "booked")
      d.text = "You're all set: a " + tools::toLowerAscii(ap.value("service", "")) + " with " +
               ap.value("staff", "") + " on " + ap.value("spoken", "") +
               ". Your confirmation code is " + ap.value("appointment_id", "") + ".";
    else if (status == "rescheduled")
      d.text = "Done. Your " + tools::toLowerAscii(ap.value("service", "")) + " is now on " +
               ap.value("spoken", "") + " with " + ap.value("staff", "") + ".";
    else
      d.text = "Your " + tools::toLowerAscii(ap.value("service", "")) + " on " +
               ap.value("spoken", "") + " is cancelled.";
    d.text += " Is there anything else I can help with?";
    s.resetTask(Intent::None);
    s.appointments.reset();
    s.findCalled = false;
    d.ask = Ask::AnythingElse;
    return d;
  }
  switch (s.task) {
    case Intent::Book:
      return slotStep(s, prefix);
    case Intent::Cancel: {
      d = cancelStep(s, prefix);
      if (!d.text.empty() || !d.calls.empty()) return d;
      if (!s.confirmed) {
        d.ask = Ask::ConfirmCancel;
        d.text = prefix + "You have a " + tools::toLowerAscii(s.target->value("service", "")) +
                 " on " + s.target->value("spoken", "") + ". Shall I cancel it?";
        return d;
      }
      if (!s.bookCalled && s.can("cancel_appointment")) {
        s.bookCalled = true;
        d.text = "One moment.";
        d.calls.push_back(makeCall(s, "cancel_appointment",
                                   {{"appointment_id", s.target->value("appointment_id", "")}}));
        return d;
      }
      return {"One moment.", {}, Ask::None};
    }
    case Intent::Reschedule: {
      d = cancelStep(s, prefix);
      if (!d.text.empty() || !d.calls.empty()) return d;
      if (!s.service) {
        s.service = s.tenant.findService(s.target->value("service_id", ""));
        s.staff = s.tenant.findStaff(s.target->value("staff_id", ""));
        if (!s.service) return {"Sorry, that appointment can't be moved.", {}, Ask::AnythingElse};
      }
      if (!s.day && s.dayOptions.size() <= 1) {
        d.ask = Ask::Day;
        d.text = prefix + "Your " + tools::toLowerAscii(s.service->name) + " is on " +
                 s.target->value("spoken", "") + ". Which day would you like instead?";
        return d;
      }
      return slotStep(s, prefix);
    }
    default:
      break;
  }
  if (!s.sawUser) {
    d.text = s.tenant.greeting.empty()
                 ? "Thank you for calling " + s.tenant.displayName + ". How can I help you today?"
                 : s.tenant.greeting;
    return d;
  }
  d.ask = Ask::AnythingElse;
  if (!infoText.empty())
    d.text = prefix + "Is there anything else I can help with?";
  else
    d.text = prefix +
             "I can book, change or cancel an appointment, or tell you our hours, prices "
             "and address. What would you like to do?";
  if (infoText.empty()) d.ask = Ask::None;
  return d;
}

std::string contentText(const json& m) {
  if (!m.contains("content") || m["content"].is_null()) return {};
  const json& c = m["content"];
  if (c.is_string()) return c.get<std::string>();
  std::string out;
  if (c.is_array())
    for (const auto& part : c)
      if (part.is_object() && part.value("type", "") == "text") out += part.value("text", "");
  return out;
}

}  // namespace

BookingPolicy::BookingPolicy(std::shared_ptr<const tools::Tenant> tenant, const core::Clock& clock)
    : tenant_(std::move(tenant)), clock_(clock) {}

PolicyReply BookingPolicy::next(const nlohmann::json& messages,
                                const std::set<std::string>& availableTools,
                                bool allowTools) const {
  if (!messages.is_array()) throw std::invalid_argument("'messages' must be an array");
  if (messages.size() > kMaxPolicyMessages)
    throw std::invalid_argument("too many messages (limit " + std::to_string(kMaxPolicyMessages) +
                                ")");
  auto now = std::chrono::floor<std::chrono::seconds>(clock_.wallNow());
  State s{.tenant = *tenant_,
          .today = tools::localDay(tenant_->zone, now),
          .tools = availableTools,
          .allowTools = allowTools};
  std::map<std::string, std::string> callNames;  ///< tool_call_id → tool name
  for (const auto& m : messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      throw std::invalid_argument("every message needs a string 'role'");
    const std::string role = m["role"].get<std::string>();
    if (role == "user") {
      applyUser(s, contentText(m));
    } else if (role == "assistant") {
      Decision d = decide(s);
      s.ask = d.ask;
      ++s.assistantTurns;
      if (m.contains("tool_calls") && m["tool_calls"].is_array())
        for (const auto& c : m["tool_calls"])
          if (c.is_object() && c.contains("function") && c["function"].is_object())
            callNames[c.value("id", std::string())] = c["function"].value("name", std::string());
    } else if (role == "tool") {
      std::string id = m.value("tool_call_id", std::string());
      auto it = callNames.find(id);
      if (it == callNames.end()) continue;  // a result for a call we never saw: ignore
      json result = json::parse(contentText(m), nullptr, false);
      if (result.is_discarded() || !result.is_object())
        result = {
            {"error", {{"code", "unreadable"}, {"message", "The tool result was unreadable."}}}};
      applyTool(s, it->second, result);
    } else if (role != "system" && role != "developer") {
      throw std::invalid_argument("unknown role '" + role + "'");
    }
  }
  Decision d = decide(s);
  return {d.text, std::move(d.calls)};
}

}  // namespace parley::dialog::local
