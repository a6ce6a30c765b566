#pragma once
// The booking tools the LLM calls during one call (issue 4, DESIGN.md §7): check_availability,
// book_appointment, find_appointments, cancel_appointment, reschedule_appointment,
// get_business_info, end_call and transfer_call. Results are JSON the LLM reads; times are ISO
// 8601 in the tenant's zone plus a speakable form. Errors use toolError() codes:
//   invalid_arguments, unknown_service, unknown_staff, ambiguous_staff, staff_does_not_do_service,
//   invalid_time, ambiguous_time, need_time, in_past, too_far_ahead, outside_hours, slot_taken
//   (with "alternatives"), phone_required, not_allowed, not_found, not_active, busy,
//   store_unavailable.
// Identity: the caller's number (caller ID) is who the caller is. Without caller ID (a browser
// call) the number the caller gives in this call is used; an appointment can only be found,
// cancelled or rescheduled by the number it was booked under.
#include <memory>
#include <string>

#include "core/Clock.hpp"
#include "tools/Tenant.hpp"
#include "tools/ToolRegistry.hpp"
#include "tools/booking/BookingStore.hpp"

namespace parley::tools {

/// Who is calling: used for identity, the default customer phone and idempotency keys.
struct CallInfo {
  std::string callId;       ///< unique per call; with the tool call id, the idempotency key
  std::string callerPhone;  ///< caller ID in any common format ("" for browser calls)
};

/// Registers the booking tools for one call into `registry`. The handlers share `tenant` and
/// `store` (thread-safe) and read "now" from `clock`, which must outlive the registry.
void registerBookingTools(ToolRegistry& registry, std::shared_ptr<const Tenant> tenant,
                          std::shared_ptr<BookingStore> store, const core::Clock& clock,
                          CallInfo call);

/// A registry with just the booking tools for one call (what a session creates per call).
std::unique_ptr<ToolRegistry> makeBookingTools(std::shared_ptr<const Tenant> tenant,
                                               std::shared_ptr<BookingStore> store,
                                               const core::Clock& clock, CallInfo call);

}  // namespace parley::tools
