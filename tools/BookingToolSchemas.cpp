#include "tools/detail/BookingToolSet.hpp"

namespace parley::tools::detail {

void BookingToolSet::registerInto(ToolRegistry& reg) {
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
       bind(&BookingToolSet::checkAvailability)}));
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
       bind(&BookingToolSet::bookAppointment)});
  reg.add(readOnly(
      {"find_appointments",
       "List the caller's upcoming appointments (by the number they call from).",
       {{"type", "object"},
        {"properties", {{"customer_phone", withDoc(str, "Only if the call has no caller ID")}}},
        {"additionalProperties", false}},
       bind(&BookingToolSet::findAppointments)}));
  reg.add(
      {"cancel_appointment",
       "Cancel one of the caller's own appointments by id (from find_appointments). Confirm first.",
       {{"type", "object"},
        {"properties",
         {{"appointment_id", withDoc(str, "Appointment id, e.g. K7M2QX")},
          {"reason", {{"type", "string"}, {"maxLength", 500}}}}},
        {"required", {"appointment_id"}},
        {"additionalProperties", false}},
       bind(&BookingToolSet::cancelAppointment)});
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
       bind(&BookingToolSet::rescheduleAppointment)});
  reg.add(readOnly({"get_business_info",
                    "Opening hours, address, services with prices and durations, and staff.",
                    {{"type", "object"},
                     {"properties",
                      {{"topic",
                        {{"type", "string"},
                         {"enum", {"hours", "address", "services", "prices", "staff", "all"}}}}}},
                     {"additionalProperties", false}},
                    bind(&BookingToolSet::getBusinessInfo)}));
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
       bind(&BookingToolSet::endCall)});
  reg.add({"transfer_call",
           "Transfer the caller to a person when they ask for one or you cannot help.",
           {{"type", "object"},
            {"properties",
             {{"destination", withDoc(str, "Who to transfer to (default: the front desk)")}}},
            {"additionalProperties", false}},
           bind(&BookingToolSet::transferCall)});
}

}  // namespace parley::tools::detail
