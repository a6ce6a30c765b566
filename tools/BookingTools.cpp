#include "tools/BookingTools.hpp"

#include <algorithm>
#include <mutex>

#include "core/Log.hpp"
#include "tools/PhoneNumber.hpp"
#include "tools/booking/SlotFinder.hpp"
#include "tools/detail/BookingToolSet.hpp"
#include "tools/names/PhoneticMatcher.hpp"
#include "tools/time/DatePhraseParser.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::tools::detail {
namespace {

using nlohmann::json;

constexpr int kDefaultSearchDays = 14;         // "any time" looks two weeks ahead
constexpr int kNextAvailableDays = 14;         // an empty range also reports the next free slots
constexpr size_t kAlternatives = 3;            // slot_taken offers this many nearest slots
constexpr int kAlternativeSearchDays = 7;      // … from the requested day on
constexpr size_t kMaxListedAppointments = 20;  // find_appointments answers at most this many

}  // namespace

json BookingToolSet::slotJson(const Slot& s) const {
  const StaffMember* who = tenant_->findStaff(s.staffId);
  return {{"start", toIsoLocal(tenant_->zone, s.start)},
          {"spoken", speakable(tenant_->zone, s.start)},
          {"staff", who ? who->name : s.staffId},
          {"staff_id", s.staffId}};
}

json BookingToolSet::appointmentJson(const Appointment& a) const {
  const StaffMember* who = tenant_->findStaff(a.staffId);
  const Service* svc = tenant_->findService(a.serviceId);
  return {{"appointment_id", a.id},
          {"service", svc ? svc->name : a.serviceId},
          {"service_id", a.serviceId},
          {"staff", who ? who->name : a.staffId},
          {"staff_id", a.staffId},
          {"start", toIsoLocal(tenant_->zone, a.start)},
          {"end", toIsoLocal(tenant_->zone, a.end)},
          {"spoken", speakable(tenant_->zone, a.start)},
          {"customer_name", a.customerName},
          {"customer_phone", a.customerPhone},
          {"status", statusName(a.status)}};
}

const Service* BookingToolSet::resolveService(const std::string& text, json& error) const {
  if (const Service* s = tenant_->findService(text)) return s;
  auto ranked = tenant_->serviceNames->match(text);
  auto sure = PhoneticMatcher::confident(ranked);
  if (!sure.empty()) return tenant_->findService(sure[0].id);
  json names = json::array();
  for (const auto& s : tenant_->services) names.push_back(s.name);
  error = toolError("unknown_service", "We do not offer '" + text + "'.", {{"services", names}});
  return nullptr;
}

const StaffMember* BookingToolSet::resolveStaff(const std::string& text, json& error) const {
  if (const StaffMember* s = tenant_->findStaff(text)) return s;
  auto ranked = tenant_->staffNames->match(text);
  auto sure = PhoneticMatcher::confident(ranked);
  if (!sure.empty()) return tenant_->findStaff(sure[0].id);
  if (ranked.size() > 1) {
    json cands = json::array();
    for (const auto& m : ranked)
      cands.push_back({{"staff", m.name}, {"staff_id", m.id}, {"score", m.score}});
    error =
        toolError("ambiguous_staff", "'" + text + "' could be more than one person; ask which one.",
                  {{"candidates", cands}});
    return nullptr;
  }
  json names = json::array();
  for (const auto& s : tenant_->staff) names.push_back(s.name);
  error =
      toolError("unknown_staff", "Nobody called '" + text + "' works here.", {{"staff", names}});
  return nullptr;
}

std::vector<const StaffMember*> BookingToolSet::staffFor(const Service& s,
                                                         const StaffMember* only) const {
  std::vector<const StaffMember*> out;
  for (const auto& m : tenant_->staff)
    if (m.performs(s.id) && (only == nullptr || only == &m)) out.push_back(&m);
  return out;
}

std::optional<SysSeconds> BookingToolSet::resolveStart(const std::string& text, json& error) const {
  if (auto t = parseIsoDateTime(tenant_->zone, text)) return t;
  auto phrase = parseDatePhrase(text, today());
  if (!phrase.understood()) {
    error = toolError("invalid_time", "Could not read '" + text +
                                          "' as a time; use ISO 8601 like 2025-01-07T14:30:00");
    return std::nullopt;
  }
  if (phrase.ambiguous()) {
    json cands = json::array();
    for (const auto& c : phrase.candidates) cands.push_back(c.describe());
    error = toolError("ambiguous_time", "'" + text + "' could mean more than one day; ask which.",
                      {{"candidates", cands}});
    return std::nullopt;
  }
  const auto& c = phrase.candidates[0];
  if (!c.hasDate || !c.hasTime() || c.isRange()) {
    error = toolError("need_time", "'" + text + "' is not one exact day and time; ask for both.");
    return std::nullopt;
  }
  auto t = c.instant(tenant_->zone);
  if (!t) error = toolError("invalid_time", "That time does not exist on that day (clock change).");
  return t;
}

json BookingToolSet::alternatives(const Service& svc, const std::vector<const StaffMember*>& staff,
                                  SysSeconds near) const {
  SlotQuery q;
  q.service = &svc;
  q.staff = staff;
  q.fromDay = std::max(today(), localDay(tenant_->zone, near) - date::days(1));
  q.toDay = q.fromDay + date::days(kAlternativeSearchDays);
  q.now = now();
  q.maxSlots = kAlternatives;
  q.near = near;
  json out = json::array();
  for (const auto& s : SlotFinder(*tenant_, *store_).find(q)) out.push_back(slotJson(s));
  return out;
}

json BookingToolSet::checkAvailability(const json& a, const ToolInvocation&) {
  json err;
  const Service* svc = resolveService(a.at("service").get<std::string>(), err);
  if (!svc) return err;
  const StaffMember* only = nullptr;
  if (a.contains("staff") && !a["staff"].get<std::string>().empty()) {
    only = resolveStaff(a["staff"].get<std::string>(), err);
    if (!only) return err;
    if (!only->performs(svc->id)) {
      json who = json::array();
      for (const auto* m : staffFor(*svc, nullptr)) who.push_back(m->name);
      return toolError("staff_does_not_do_service", only->name + " does not do " + svc->name + ".",
                       {{"staff_who_do", who}});
    }
  }
  SlotQuery q;
  q.service = svc;
  q.staff = staffFor(*svc, only);
  q.now = now();
  q.fromDay = today();
  q.toDay = today() + date::days(kDefaultSearchDays - 1);
  q.maxSlots = static_cast<size_t>(a.value("max_results", tenant_->booking.maxSlots));
  auto readDay = [&](const std::string& key,
                     bool last) -> std::optional<std::pair<date::local_days, date::local_days>> {
    std::string text = a[key].get<std::string>();
    if (auto d = parseIsoDate(text)) return std::make_pair(*d, *d);
    auto phrase = parseDatePhrase(text, today());
    if (!phrase.understood()) {
      err = toolError("invalid_time", "Could not read '" + text + "' as a date; use YYYY-MM-DD.");
      return std::nullopt;
    }
    if (phrase.ambiguous()) {
      json cands = json::array();
      for (const auto& c : phrase.candidates) cands.push_back(c.describe());
      err = toolError("ambiguous_time", "'" + text + "' could mean more than one day; ask which.",
                      {{"candidates", cands}});
      return std::nullopt;
    }
    const auto& c = phrase.candidates[0];
    if (!last) {
      if (c.minute)
        q.near = c.instant(tenant_->zone);
      else if (c.window != TimeRange{0, 24 * 60})
        q.window = c.window;
    }
    return std::make_pair(c.firstDay, c.lastDay);
  };
  if (a.contains("date")) {
    auto r = readDay("date", false);
    if (!r) return err;
    q.fromDay = r->first, q.toDay = r->second;
  } else if (a.contains("date_from") || a.contains("date_to")) {
    if (a.contains("date_from")) {
      auto r = readDay("date_from", false);
      if (!r) return err;
      q.fromDay = r->first;
      q.toDay = std::max(q.toDay, q.fromDay);
    }
    if (a.contains("date_to")) {
      auto r = readDay("date_to", true);
      if (!r) return err;
      q.toDay = r->second;
    }
  }
  if (q.toDay < today())
    return toolError("in_past", speakableDay(q.toDay) + " is in the past; ask for a future day.");
  if (q.fromDay > today() + date::days(tenant_->booking.maxDaysAhead))
    return toolError(
        "too_far_ahead",
        "We only book up to " + std::to_string(tenant_->booking.maxDaysAhead) + " days ahead.");
  if (q.toDay < q.fromDay) return toolError("invalid_arguments", "date_to is before date_from");
  q.fromDay = std::max(q.fromDay, today());
  if (q.toDay > q.fromDay + date::days(kMaxSearchDays - 1))
    q.toDay = q.fromDay + date::days(kMaxSearchDays - 1);
  if (auto tod = a.value("time_of_day", std::string("any")); tod != "any")
    q.window = *partOfDay(tod);

  SlotFinder finder(*tenant_, *store_);
  auto slots = finder.find(q);
  if (q.near)
    std::sort(slots.begin(), slots.end(),
              [](const Slot& x, const Slot& y) { return x.start < y.start; });
  json out = {{"service", svc->name},
              {"service_id", svc->id},
              {"duration_minutes", svc->duration.count()},
              {"time_zone", tenant_->timeZoneName},
              {"searched", {{"from", isoDate(q.fromDay)}, {"to", isoDate(q.toDay)}}},
              {"slots", json::array()}};
  for (const auto& s : slots) out["slots"].push_back(slotJson(s));
  if (slots.empty()) {
    SlotQuery next = q;
    next.fromDay = q.toDay + date::days(1);
    next.toDay = next.fromDay + date::days(kNextAvailableDays - 1);
    next.near.reset();
    json later = json::array();
    for (const auto& s : finder.find(next)) later.push_back(slotJson(s));
    out["message"] = "No free " + svc->name + " slots in that range.";
    out["next_available"] = later;
  }
  return out;
}

json BookingToolSet::bookAppointment(const json& a, const ToolInvocation& inv) {
  json err;
  const Service* svc = resolveService(a.at("service").get<std::string>(), err);
  if (!svc) return err;
  const StaffMember* only = nullptr;
  if (a.contains("staff") && !a["staff"].get<std::string>().empty()) {
    only = resolveStaff(a["staff"].get<std::string>(), err);
    if (!only) return err;
    if (!only->performs(svc->id))
      return toolError("staff_does_not_do_service", only->name + " does not do " + svc->name + ".");
  }
  auto start = resolveStart(a.at("start").get<std::string>(), err);
  if (!start) return err;
  std::string phone;
  if (a.contains("customer_phone") && !a["customer_phone"].get<std::string>().empty()) {
    auto p = normalizePhone(a["customer_phone"].get<std::string>());
    if (!p)
      return toolError("invalid_arguments",
                       "customer_phone is not a phone number; ask for it again.");
    phone = *p;
  } else if (auto id = identity())
    phone = *id;
  else
    return toolError("phone_required", "No caller ID on this call: ask for a phone number.");

  auto staff = staffFor(*svc, only);
  std::vector<std::string> candidates;
  std::string reason;
  for (const auto* m : staff) {
    auto why = outsideBookableHours(*tenant_, *svc, *m, *start, now());
    if (!why)
      candidates.push_back(m->id);
    else if (reason.empty())
      reason = *why;
  }
  if (candidates.empty()) {
    std::string code = *start < now() ? "in_past" : "outside_hours";
    if (*start > now() + date::days(tenant_->booking.maxDaysAhead)) code = "too_far_ahead";
    return toolError(code, reason.empty() ? "That time cannot be booked." : reason + ".",
                     {{"alternatives", alternatives(*svc, staff, *start)}});
  }
  BookRequest req;
  req.tenantId = tenant_->id;
  req.staffCandidates = candidates;
  req.serviceId = svc->id;
  req.start = *start;
  req.duration = svc->duration;
  req.buffer = svc->bufferAfter;
  req.customerPhone = phone;
  req.customerName = a.at("customer_name").get<std::string>();
  req.notes = a.value("notes", std::string());
  if (!inv.toolCallId.empty()) req.idempotencyKey = call_.callId + ":" + inv.toolCallId;
  req.actor = actor();
  req.now = now();
  auto r = store_->book(req, inv.budget);
  if (r.outcome == StoreOutcome::SlotTaken) {
    log_.info("slot taken: {} at {}", svc->id, toIsoLocal(tenant_->zone, *start));
    return toolError("slot_taken", "That time was just taken. Offer the alternatives.",
                     {{"alternatives", alternatives(*svc, staff, *start)}});
  }
  if (!r.ok() || !r.appointment)
    return toolError("store_unavailable", "The booking could not be saved.");
  claimPhone(phone, false);
  log_.info("booked {} ({})", r.appointment->id,
            r.outcome == StoreOutcome::Replayed ? "replayed" : "new");
  return {{"status", "booked"},
          {"replayed", r.outcome == StoreOutcome::Replayed},
          {"appointment", appointmentJson(*r.appointment)}};
}

json BookingToolSet::findAppointments(const json& a, const ToolInvocation&) {
  std::string phone;
  if (a.contains("customer_phone") && !a["customer_phone"].get<std::string>().empty()) {
    auto p = normalizePhone(a["customer_phone"].get<std::string>());
    if (!p) return toolError("invalid_arguments", "customer_phone is not a phone number.");
    if (!callerPhone_.empty() && *p != callerPhone_)
      return toolError("not_allowed",
                       "For privacy, only appointments booked under the number you are calling "
                       "from can be looked up.");
    phone = *p;
    claimPhone(phone, true);
  } else if (auto id = identity())
    phone = *id;
  else
    return toolError(
        "phone_required",
        "No caller ID on this call: ask for the phone number the appointment is under.");
  json list = json::array();
  for (const auto& ap : store_->findByPhone(tenant_->id, phone, now())) {
    if (ap.status != AppointmentStatus::Booked) continue;
    if (list.size() >= kMaxListedAppointments) break;
    list.push_back(appointmentJson(ap));
  }
  json out = {{"customer_phone", phone}, {"appointments", list}};
  if (list.empty()) out["message"] = "No upcoming appointments under " + phone + ".";
  return out;
}

json BookingToolSet::cancelAppointment(const json& a, const ToolInvocation& inv) {
  auto who = identity();
  if (!who)
    return toolError("phone_required",
                     "Ask for the phone number the appointment is under and look it up first.");
  std::string id = toLowerAscii(a.at("appointment_id").get<std::string>());
  std::transform(id.begin(), id.end(), id.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  auto existing = store_->get(tenant_->id, id);
  if (existing && existing->customerPhone == *who && existing->start < now())
    return toolError("in_past", "That appointment has already started or passed.");
  auto r = store_->cancel(tenant_->id, id, *who, a.value("reason", std::string()), actor(), now(),
                          inv.budget);
  if (r.outcome == StoreOutcome::NotFound)
    return toolError("not_found", "No appointment " + id +
                                      " under this caller's number; use find_appointments.");
  if (r.outcome == StoreOutcome::NotActive)
    return toolError("not_active", "Appointment " + id + " is already " +
                                       statusName(r.appointment->status) + ".");
  log_.info("cancelled {}", id);
  return {{"status", "cancelled"}, {"appointment", appointmentJson(*r.appointment)}};
}

json BookingToolSet::rescheduleAppointment(const json& a, const ToolInvocation& inv) {
  auto who = identity();
  if (!who)
    return toolError("phone_required",
                     "Ask for the phone number the appointment is under and look it up first.");
  std::string id = a.at("appointment_id").get<std::string>();
  std::transform(id.begin(), id.end(), id.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  json err;
  auto start = resolveStart(a.at("new_start").get<std::string>(), err);
  if (!start) return err;
  auto existing = store_->get(tenant_->id, id);
  if (!existing || existing->customerPhone != *who)
    return toolError("not_found", "No appointment " + id +
                                      " under this caller's number; use find_appointments.");
  if (existing->status != AppointmentStatus::Booked)
    return toolError("not_active",
                     "Appointment " + id + " is " + statusName(existing->status) + ".");
  const Service* svc = tenant_->findService(existing->serviceId);
  const StaffMember* staff = tenant_->findStaff(existing->staffId);
  if (!svc || !staff)
    return toolError("not_active", "That service or staff member is no longer offered.");
  if (auto why = outsideBookableHours(*tenant_, *svc, *staff, *start, now()))
    return toolError(*start < now() ? "in_past" : "outside_hours", *why + ".",
                     {{"alternatives", alternatives(*svc, {staff}, *start)}});
  std::string key = inv.toolCallId.empty() ? "" : call_.callId + ":" + inv.toolCallId;
  auto previous = existing->start;
  auto r = store_->reschedule(tenant_->id, id, *who, *start, key, actor(), now(), inv.budget);
  if (r.outcome == StoreOutcome::SlotTaken)
    return toolError("slot_taken", staff->name + " is not free then. Offer the alternatives.",
                     {{"alternatives", alternatives(*svc, {staff}, *start)}});
  if (r.outcome == StoreOutcome::NotFound)
    return toolError("not_found", "No appointment " + id + ".");
  if (r.outcome == StoreOutcome::NotActive)
    return toolError("not_active", "Appointment " + id + " is not active.");
  log_.info("rescheduled {}", id);
  return {{"status", "rescheduled"},
          {"replayed", r.outcome == StoreOutcome::Replayed},
          {"previous_start", toIsoLocal(tenant_->zone, previous)},
          {"appointment", appointmentJson(*r.appointment)}};
}

json BookingToolSet::getBusinessInfo(const json& a, const ToolInvocation&) {
  std::string topic = a.value("topic", std::string("all"));
  json out = {{"business", tenant_->displayName}};
  static const char* const kDays[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
  if (topic == "hours" || topic == "all") {
    json hours = json::object();
    for (int d = 1; d <= 7; ++d) {
      const auto& ranges = tenant_->hours[static_cast<size_t>(d % 7)];
      std::string text;
      for (const auto& r : ranges)
        text += (text.empty() ? "" : ", ") + speakableTime(r.fromMinute) + " to " +
                speakableTime(r.toMinute % 1440);
      hours[kDays[d % 7]] = text.empty() ? "closed" : text;
    }
    out["hours"] = hours;
    out["time_zone"] = tenant_->timeZoneName;
    json closed = json::array();
    for (const auto& d : tenant_->closedDates)
      if (d >= today()) closed.push_back(isoDate(d));
    out["closed_dates"] = closed;
  }
  if (topic == "address" || topic == "all") out["address"] = tenant_->address;
  if (topic == "services" || topic == "prices" || topic == "all") {
    json list = json::array();
    for (const auto& s : tenant_->services)
      list.push_back({{"name", s.name},
                      {"service_id", s.id},
                      {"duration_minutes", s.duration.count()},
                      {"price", s.price},
                      {"description", s.description}});
    out["services"] = list;
  }
  if (topic == "staff" || topic == "all") {
    json list = json::array();
    for (const auto& m : tenant_->staff) {
      json svcs = json::array();
      for (const auto& id : m.services) svcs.push_back(tenant_->findService(id)->name);
      list.push_back({{"name", m.name}, {"staff_id", m.id}, {"role", m.role}, {"services", svcs}});
    }
    out["staff"] = list;
  }
  return out;
}

json BookingToolSet::endCall(const json& a, const ToolInvocation&) {
  return {{"status", "ending_call"}, {"reason", a.at("reason")}};
}

json BookingToolSet::transferCall(const json& a, const ToolInvocation&) {
  return {{"status", "transferring"},
          {"destination", a.value("destination", std::string("front_desk"))}};
}

}  // namespace parley::tools::detail

namespace parley::tools {

using detail::BookingToolSet;

void registerBookingTools(ToolRegistry& registry, std::shared_ptr<const Tenant> tenant,
                          std::shared_ptr<BookingStore> store, const core::Clock& clock,
                          CallInfo call) {
  auto tools =
      std::make_shared<BookingToolSet>(std::move(tenant), std::move(store), clock, std::move(call));
  tools->registerInto(registry);
}

std::unique_ptr<ToolRegistry> makeBookingTools(std::shared_ptr<const Tenant> tenant,
                                               std::shared_ptr<BookingStore> store,
                                               const core::Clock& clock, CallInfo call) {
  auto reg = std::make_unique<ToolRegistry>(clock);
  registerBookingTools(*reg, std::move(tenant), std::move(store), clock, std::move(call));
  return reg;
}

}  // namespace parley::tools
