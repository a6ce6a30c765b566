#include "dialog/local/policy/PolicyState.hpp"

#include <cstdio>
#include <cstdlib>

namespace parley::dialog::local::policy {

/// A slot from check_availability: {"start": ISO local, "spoken", "staff", "staff_id"}.
int slotMinute(const json& slot) {
  std::string s = slot.value("start", std::string());
  if (s.size() < 16) return -1;
  return std::atoi(s.substr(11, 2).c_str()) * 60 + std::atoi(s.substr(14, 2).c_str());
}
std::string slotDate(const json& slot) {
  return slot.value("start", std::string()).substr(0, 10);
}

/// "Tuesday, January 7 at 2:30 PM" → {"Tuesday, January 7", "2:30 PM"}.
std::pair<std::string, std::string> splitSpoken(const std::string& spoken) {
  size_t at = spoken.rfind(" at ");
  if (at == std::string::npos) return {spoken, ""};
  return {spoken.substr(0, at), spoken.substr(at + 4)};
}

std::string joinOr(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

/// A phrase DatePhraseParser reads back as exactly this day and time ("january 7 at 14:30").
std::string dayTimePhrase(date::local_days day, int minute) {
  static const char* const kMonths[12] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};
  date::year_month_day ymd(day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %u at %02d:%02d",
                kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<unsigned>(ymd.day()),
                minute / 60, minute % 60);
  return buf;
}

PolicyToolCall makeCall(State& s, std::string name, json args, size_t index) {
  return {"call_" + std::to_string(s.assistantTurns) + "_" + std::to_string(index), std::move(name),
          std::move(args)};
}

/// Applies one caller turn to the state.
void applyUser(State& s, const std::string& text) {
  s.sawUser = true;
  Utterance u = readUtterance(text, s.tenant, s.today, s.ask == Ask::Name);
  bool used = false;

  if (u.has(Intent::Goodbye) || (s.ask == Ask::AnythingElse && u.no && u.intents.empty() &&
                                 !u.service && !u.when.understood())) {
    s.goodbye = true;
    return;
  }
  if (u.has(Intent::Person) || (s.ask == Ask::OfferPerson && u.yes)) {
    s.person = true;
    return;
  }
  if (s.ask == Ask::OfferPerson && u.no) s.unclear = 0;
  for (Intent i : {Intent::Hours, Intent::Prices, Intent::Address})
    if (u.has(i)) s.info.push_back(i), used = true;

  if (u.has(Intent::Cancel) && s.task != Intent::Cancel) s.resetTask(Intent::Cancel), used = true;
  if (u.has(Intent::Reschedule) && s.task != Intent::Reschedule)
    s.resetTask(Intent::Reschedule), used = true;
  if (u.has(Intent::Book) && s.task == Intent::None) s.resetTask(Intent::Book), used = true;
  if (s.task == Intent::None && (u.service || u.when.understood()) && s.info.empty())
    s.resetTask(Intent::Book);  // "a cleaning on Friday" is a booking

  // Which appointment (cancel / reschedule).
  if (s.ask == Ask::WhichAppointment && s.appointments) {
    const json& list = (*s.appointments)["appointments"];
    int idx = -1;
    if (u.choice == Choice::First) idx = 0;
    if (u.choice == Choice::Second) idx = 1;
    if (u.choice == Choice::Third) idx = 2;
    if (u.choice == Choice::Last) idx = static_cast<int>(list.size()) - 1;
    if (u.service)
      for (size_t i = 0; i < list.size(); ++i)
        if (list[i].value("service_id", "") == u.service->id) idx = static_cast<int>(i);
    if (idx >= 0 && static_cast<size_t>(idx) < list.size()) {
      s.target = list[static_cast<size_t>(idx)];
      used = true;
    }
  }
  if (s.ask == Ask::ConfirmCancel) {
    if (u.yes)
      s.confirmed = true, used = true;
    else if (u.no)
      s.resetTask(Intent::None), s.ask = Ask::None, used = true;
  }

  bool slotTask = s.task == Intent::Book || (s.task == Intent::Reschedule && s.target);
  if (slotTask) {
    if (u.service && s.task == Intent::Book && u.service != s.service) {
      s.service = u.service;
      s.needCheck = s.day.has_value();
      s.chosen.reset();
      used = true;
    }
    if (u.staff && s.task == Intent::Book && u.staff != s.staff) {
      s.staff = u.staff;
      s.needCheck = s.day.has_value();
      s.chosen.reset();
      used = true;
    }
    // A choice among the offered slots: by position, or by saying one of their times.
    if ((s.ask == Ask::Slot || s.ask == Ask::Confirm) && !s.shown.empty()) {
      int idx = -1;
      if (u.choice == Choice::First) idx = 0;
      if (u.choice == Choice::Second) idx = 1;
      if (u.choice == Choice::Third) idx = 2;
      if (u.choice == Choice::Last) idx = static_cast<int>(s.shown.size()) - 1;
      if (idx < 0 && u.when.understood() && !u.when.ambiguous()) {
        const auto& c = u.when.candidates[0];
        for (size_t i = 0; i < s.shown.size(); ++i) {
          bool sameDay = !c.hasDate || slotDate(s.shown[i]) == tools::isoDate(c.firstDay);
          if (c.minute && *c.minute == slotMinute(s.shown[i]) && sameDay) idx = static_cast<int>(i);
        }
      }
      if (idx >= 0 && static_cast<size_t>(idx) < s.shown.size()) {
        s.chosen = s.shown[static_cast<size_t>(idx)];
        s.confirmed = false;
        used = true;
        u.when = {};
      }
    }
    if (s.ask == Ask::WhichDay && !s.dayOptions.empty() && u.choice != Choice::None) {
      size_t idx = u.choice == Choice::Second ? 1
                   : u.choice == Choice::Last ? s.dayOptions.size() - 1
                                              : 0;
      if (idx < s.dayOptions.size()) s.day = s.dayOptions[idx], s.needCheck = true, used = true;
      s.dayOptions.clear();
    }
    if (u.when.understood()) {
      const auto& c = u.when.candidates[0];
      if (u.when.ambiguous() && c.hasDate) {
        s.dayOptions = u.when.candidates;
        s.day.reset();
      } else if (c.hasDate) {
        s.day = c;
        s.dayOptions.clear();
      }
      if (c.minute)
        s.minute = c.minute;
      else if (c.hasDate)
        s.minute.reset();
      s.after.reset();
      if (!u.partOfDay.empty())
        s.partOfDay = u.partOfDay;
      else if (c.hasDate)
        s.partOfDay.clear();
      s.needCheck = s.day.has_value();
      s.chosen.reset();
      s.confirmed = false;
      used = true;
    } else if (!u.partOfDay.empty() && s.day) {
      s.partOfDay = u.partOfDay;
      s.minute.reset();
      s.needCheck = true;
      s.chosen.reset();
      used = true;
    }
    if (u.later && (s.ask == Ask::Slot || s.ask == Ask::Confirm) && !s.shown.empty() && s.day) {
      int latest = 0;
      for (const auto& slot : s.shown) latest = std::max(latest, slotMinute(slot));
      if (s.chosen) latest = std::max(latest, slotMinute(*s.chosen));
      s.after = latest;
      s.minute.reset();
      s.needCheck = true;
      s.chosen.reset();
      s.confirmed = false;
      used = true;
    }
    if (!u.name.empty() && (s.ask == Ask::Name || s.name.empty())) s.name = u.name, used = true;
    if (!u.phone.empty())
      s.phone = "+" + (u.phone.size() == 10 ? "1" + u.phone : u.phone), used = true;
    if (s.ask == Ask::Confirm && s.chosen && !s.needCheck) {
      if (u.yes)
        s.confirmed = true, used = true;
      else if (u.no)
        s.chosen.reset(), s.confirmed = false, used = true;
    }
  } else if (!u.phone.empty()) {
    s.phone = "+" + (u.phone.size() == 10 ? "1" + u.phone : u.phone);
    used = true;
  }
  if (s.ask == Ask::AnythingElse && u.yes && u.intents.empty()) used = true;

  if (used) {
    s.unclear = 0;
  } else {
    ++s.unclear;
    s.unclearNow = true;
  }
}

/// Applies one tool result (the JSON the tool returned, or an error object).
void applyTool(State& s, const std::string& name, const json& result) {
  const bool error = result.contains("error");
  const std::string code = error ? result["error"].value("code", std::string()) : std::string();
  if (name == "get_business_info") {
    s.infoResult = result;
  } else if (name == "check_availability") {
    if (error)
      s.toolFailure = result;
    else
      s.checkResult = result;
  } else if (name == "book_appointment" || name == "reschedule_appointment") {
    s.bookCalled = false;
    if (!error) {
      s.done = result;
    } else if (code == "slot_taken" || code == "outside_hours") {
      json alternatives = result["error"].value("alternatives", json::array());
      s.checkResult = json{{"slots", alternatives}};
      s.takenNotice = true;
      s.chosen.reset();
      s.confirmed = false;
    } else if (code == "phone_required") {
      s.needPhone = true;
    } else {
      s.toolFailure = result;
      s.chosen.reset();
      s.confirmed = false;
    }
  } else if (name == "find_appointments") {
    if (error) {
      if (code == "phone_required")
        s.needPhone = true, s.findCalled = false;
      else
        s.toolFailure = result;
    } else {
      s.appointments = result;
    }
  } else if (name == "cancel_appointment") {
    if (error)
      s.toolFailure = result;
    else
      s.done = result;
  }
}

}  // namespace parley::dialog::local::policy
