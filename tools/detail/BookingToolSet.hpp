// The booking tools of one call (internal to tools/): the handlers live in BookingTools.cpp,
// their JSON schemas and registration in BookingToolSchemas.cpp. Callers use BookingTools.hpp.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/Log.hpp"
#include "tools/BookingTools.hpp"
#include "tools/PhoneNumber.hpp"
#include "tools/booking/SlotFinder.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::tools::detail {

using nlohmann::json;

/// The booking tools of one call (check_availability, book_appointment, …): one instance per call,
/// owned by the registry's handlers through shared_ptr. Handlers take the LLM's JSON arguments
/// (already schema-checked by ToolRegistry) and return a JSON result; store failures become
/// tool errors ("busy", "store_unavailable"), never exceptions to the caller. find_appointments
/// and the other lookups may run on several threads at once (ToolDefinition::readOnly).
class BookingToolSet : public std::enable_shared_from_this<BookingToolSet> {
 public:
  BookingToolSet(std::shared_ptr<const Tenant> tenant, std::shared_ptr<BookingStore> store,
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
  using Handler = json (BookingToolSet::*)(const json&, const ToolInvocation&);
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

}  // namespace parley::tools::detail
