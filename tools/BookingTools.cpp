#include "tools/BookingTools.hpp"

#include <algorithm>
#include <mutex>

#include "core/Log.hpp"
#include "tools/PhoneNumber.hpp"
#include "tools/booking/SlotFinder.hpp"
#include "tools/names/PhoneticMatcher.hpp"
#include "tools/time/DatePhraseParser.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::tools {
namespace {

using nlohmann::json;

constexpr int kDefaultSearchDays = 14;         // "any time" looks two weeks ahead
constexpr int kNextAvailableDays = 14;         // an empty range also reports the next free slots
constexpr size_t kAlternatives = 3;            // slot_taken offers this many nearest slots
constexpr int kAlternativeSearchDays = 7;      // … from the requested day on
constexpr size_t kMaxListedAppointments = 20;  // find_appointments answers at most this many

// The tools of one call. Owned by the registry's handlers through shared_ptr.
class BookingTools : public std::enable_shared_from_this<BookingTools> {
 public:
  BookingTools(std::shared_ptr<const Tenant> tenant, std::shared_ptr<BookingStore> store,
               const core::Clock& clock, CallInfo call)
      : tenant_(std::move(tenant)),
        store_(std::move(store)),
        clock_(clock),
        call_(std::move(call)),
        log_(core::Logger("tools").with("tenant", tenant_->id).with("call_id", call_.callId)) {
    if (auto p = normalizePhone(call_.callerPhone)) callerPhone_ = *p;
  }

  void registerInto(ToolRegistry& reg);

 private:
  using Handler = json (BookingTools::*)(const json&, const ToolInvocation&);
  ToolHandler bind(Handler h) {
    auto self = shared_from_this();
    return [self, h](const json& args, const ToolInvocation& inv) -> json {
      try {
        return ((*self).*h)(args, inv);
      } catch (const StoreError& e) {
        self->log_.warn("booking store error: {}", e.what());
        if (e.busy())
          return toolError("busy", "The booking system is busy right now; try again in a moment.");
        return toolError("store_unavailable",
                         "The booking system is unavailable; apologise and offer to take a message "
                         "or transfer the call.");
      }
    };
  }

  json checkAvailability(const json& a, const ToolInvocation&);
  json bookAppointment(const json& a, const ToolInvocation&);
  json findAppointments(const json& a, const ToolInvocation&);
  json cancelAppointment(const json& a, const ToolInvocation&);
  json rescheduleAppointment(const json& a, const ToolInvocation&);
  json getBusinessInfo(const json& a, const ToolInvocation&);
  json endCall(const json& a, const ToolInvocation&);
  json transferCall(const json& a, const ToolInvocation&);

  SysSeconds now() const { return date::floor<std::chrono::seconds>(clock_.wallNow()); }
  date::local_days today() const { return localDay(tenant_->zone, now()); }
  std::string actor() const { return "call:" + call_.callId; }

  // Resolvers: return a service/staff pointer or fill `error`.
  const Service* resolveService(const std::string& text, json& error) const;
  const StaffMember* resolveStaff(const std::string& text, json& error) const;
  std::vector<const StaffMember*> staffFor(const Service& s, const StaffMember* only) const;
  std::optional<SysSeconds> resolveStart(const std::string& text, json& error) const;

  json slotJson(const Slot& s) const;
  json appointmentJson(const Appointment& a) const;
  json alternatives(const Service& svc, const std::vector<const StaffMember*>& staff,
                    SysSeconds near) const;
  std::optional<std::string> identity() const {
    if (!callerPhone_.empty()) return callerPhone_;
    std::lock_guard lock(claimedMutex_);
    if (!claimedPhone_.empty()) return claimedPhone_;
    return std::nullopt;
  }
  /// Remembers the number a caller without caller ID gave (`replace`: even over an earlier one).
  void claimPhone(const std::string& phone, bool replace) {
    if (!callerPhone_.empty()) return;
    std::lock_guard lock(claimedMutex_);
    if (replace || claimedPhone_.empty()) claimedPhone_ = phone;
  }

  std::shared_ptr<const Tenant> tenant_;
  std::shared_ptr<BookingStore> store_;
  const core::Clock& clock_;
  CallInfo call_;
  core::Logger log_;
  std::string callerPhone_;  ///< caller ID, E.164 ("" if none)
  /// Guards claimedPhone_: find_appointments (readOnly, may run alongside a booking of the same
  /// round) sets it too.
  mutable std::mutex claimedMutex_;
  std::string claimedPhone_;  ///< number given during a call without caller ID
};

json BookingTools::slotJson(const Slot& s) const {
  const StaffMember* who = tenant_->findStaff(s.staffId);
  return {{"start", toIsoLocal(tenant_->zone, s.start)},
          {"spoken", speakable(tenant_->zone, s.start)},
          {"staff", who ? who->name : s.staffId},
          {"staff_id", s.staffId}};
}

json BookingTools::appointmentJson(const Appointment& a) const {
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

const Service* BookingTools::resolveService(const std::string& text, json& error) const {
  if (const Service* s = tenant_->findService(text)) return s;
  auto ranked = tenant_->serviceNames->match(text);
  auto sure = PhoneticMatcher::confident(ranked);
  if (!sure.empty()) return tenant_->findService(sure[0].id);
  json names = json::array();
  for (const auto& s : tenant_->services) names.push_back(s.name);
  error = toolError("unknown_service", "We do not offer '" + text + "'.", {{"services", names}});
  return nullptr;
}

const StaffMember* BookingTools::resolveStaff(const std::string& text, json& error) const {
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

std::vector<const StaffMember*> BookingTools::staffFor(const Service& s,
                                                       const StaffMember* only) const {
  std::vector<const StaffMember*> out;
  for (const auto& m : tenant_->staff)
    if (m.performs(s.id) && (only == nullptr || only == &m)) out.push_back(&m);
  return out;
}

std::optional<SysSeconds> BookingTools::resolveStart(const std::string& text, json& error) const {
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

json BookingTools::alternatives(const Service& svc, const std::vector<const StaffMember*>& staff,
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

json BookingTools::checkAvailability(const json& a, const ToolInvocation&) {
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

json BookingTools::bookAppointment(const json& a, const ToolInvocation& inv) {
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

json BookingTools::findAppointments(const json& a, const ToolInvocation&) {
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

json BookingTools::cancelAppointment(const json& a, const ToolInvocation& inv) {
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

json BookingTools::rescheduleAppointment(const json& a, const ToolInvocation& inv) {
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

json BookingTools::getBusinessInfo(const json& a, const ToolInvocation&) {
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

json BookingTools::endCall(const json& a, const ToolInvocation&) {
  return {{"status", "ending_call"}, {"reason", a.at("reason")}};
}

json BookingTools::transferCall(const json& a, const ToolInvocation&) {
  return {{"status", "transferring"},
          {"destination", a.value("destination", std::string("front_desk"))}};
}

void BookingTools::registerInto(ToolRegistry& reg) {
  json serviceIds = json::array();
  for (const auto& s : tenant_->services) serviceIds.push_back(s.id);
  json staffIds = json::array();
  for (const auto& s : tenant_->staff) staffIds.push_back(s.id);
  const json str = {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}};
  auto withDoc = [](json schema, const std::string& doc) {
    schema["description"] = doc;
    return schema;
  };
  // Lookups change nothing in the store or the call: they may run alongside the round's others.
  auto readOnly = [](ToolDefinition d) {
    d.readOnly = true;
    return d;
  };
  const std::string zoneNote =
      " Times are in the business's time zone (" + tenant_->timeZoneName + ").";

  reg.add(readOnly(
      {"check_availability",
       "Find free appointment slots for a service, earliest first. Call before booking. Give a "
       "date, or a date_from/date_to range; optionally a time of day or a staff member." +
           zoneNote,
       {{"type", "object"},
        {"properties",
         {{"service", withDoc(str, "Service id or name: " + serviceIds.dump())},
          {"date",
           withDoc(str, "Day to search, YYYY-MM-DD (phrases like 'next Tuesday' are accepted)")},
          {"date_from", withDoc(str, "First day of a range, YYYY-MM-DD")},
          {"date_to", withDoc(str, "Last day of a range, YYYY-MM-DD")},
          {"time_of_day",
           {{"type", "string"}, {"enum", {"morning", "afternoon", "evening", "any"}}}},
          {"staff", withDoc(str, "Staff id or name (optional): " + staffIds.dump())},
          {"max_results", {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}}}}},
        {"required", {"service"}},
        {"additionalProperties", false}},
       bind(&BookingTools::checkAvailability)}));
  reg.add(
      {"book_appointment",
       "Book an appointment at a start time returned by check_availability, after the caller "
       "confirmed service, day, time and name. The caller's number is used unless customer_phone "
       "is given. Returns a confirmation or slot_taken with alternatives." +
           zoneNote,
       {{"type", "object"},
        {"properties",
         {{"service", withDoc(str, "Service id or name: " + serviceIds.dump())},
          {"start",
           withDoc(
               str,
               "Start, ISO 8601 e.g. 2025-01-07T14:30:00-05:00, as given by check_availability")},
          {"customer_name", withDoc(str, "The caller's name")},
          {"customer_phone",
           withDoc(str, "Phone number if different from the caller's, e.g. +15551234567")},
          {"staff", withDoc(str, "Staff id or name (optional)")},
          {"notes", {{"type", "string"}, {"maxLength", 500}}}}},
        {"required", {"service", "start", "customer_name"}},
        {"additionalProperties", false}},
       bind(&BookingTools::bookAppointment)});
  reg.add(readOnly(
      {"find_appointments",
       "List the caller's upcoming appointments (by the number they call from).",
       {{"type", "object"},
        {"properties", {{"customer_phone", withDoc(str, "Only if the call has no caller ID")}}},
        {"additionalProperties", false}},
       bind(&BookingTools::findAppointments)}));
  reg.add(
      {"cancel_appointment",
       "Cancel one of the caller's own appointments by id (from find_appointments). Confirm first.",
       {{"type", "object"},
        {"properties",
         {{"appointment_id", withDoc(str, "Appointment id, e.g. K7M2QX")},
          {"reason", {{"type", "string"}, {"maxLength", 500}}}}},
        {"required", {"appointment_id"}},
        {"additionalProperties", false}},
       bind(&BookingTools::cancelAppointment)});
  reg.add(
      {"reschedule_appointment",
       "Move one of the caller's own appointments to a new start time (same service and staff). "
       "Check availability first." +
           zoneNote,
       {{"type", "object"},
        {"properties",
         {{"appointment_id", withDoc(str, "Appointment id, e.g. K7M2QX")},
          {"new_start", withDoc(str, "New start, ISO 8601 e.g. 2025-01-08T10:00:00-05:00")}}},
        {"required", {"appointment_id", "new_start"}},
        {"additionalProperties", false}},
       bind(&BookingTools::rescheduleAppointment)});
  reg.add(readOnly({"get_business_info",
                    "Opening hours, address, services with prices and durations, and staff.",
                    {{"type", "object"},
                     {"properties",
                      {{"topic",
                        {{"type", "string"},
                         {"enum", {"hours", "address", "services", "prices", "staff", "all"}}}}}},
                     {"additionalProperties", false}},
                    bind(&BookingTools::getBusinessInfo)}));
  reg.add(
      {"end_call",
       "End the call after saying goodbye, when the caller is done.",
       {{"type", "object"},
        {"properties",
         {{"reason",
           {{"type", "string"},
            {"enum", {"completed", "caller_request", "no_response", "abuse", "wrong_number"}}}}}},
        {"required", {"reason"}},
        {"additionalProperties", false}},
       bind(&BookingTools::endCall)});
  reg.add({"transfer_call",
           "Transfer the caller to a person when they ask for one or you cannot help.",
           {{"type", "object"},
            {"properties",
             {{"destination", withDoc(str, "Who to transfer to (default: the front desk)")}}},
            {"additionalProperties", false}},
           bind(&BookingTools::transferCall)});
}

}  // namespace

void registerBookingTools(ToolRegistry& registry, std::shared_ptr<const Tenant> tenant,
                          std::shared_ptr<BookingStore> store, const core::Clock& clock,
                          CallInfo call) {
  auto tools =
      std::make_shared<BookingTools>(std::move(tenant), std::move(store), clock, std::move(call));
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
