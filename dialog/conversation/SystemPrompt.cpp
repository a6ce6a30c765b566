#include "dialog/conversation/SystemPrompt.hpp"

#include <fmt/format.h>

#include "tools/time/TenantTime.hpp"

namespace parley::dialog {

std::string buildSystemPrompt(const tools::Tenant& tenant,
                              std::chrono::system_clock::time_point now,
                              const std::string& callerNumber,
                              const tools::CallLanguage& language) {
  std::string p = language.systemPrompt;
  if (!p.empty() && p.back() != '\n') p += '\n';
  p += fmt::format("\nBusiness: {}", tenant.displayName);
  if (!tenant.address.empty()) p += fmt::format(", {}", tenant.address);
  p += ".\nServices:";
  for (const auto& s : tenant.services)
    p += fmt::format(" {} ({} min{}{});", s.name, s.duration.count(), s.price.empty() ? "" : ", ",
                     s.price);
  if (!tenant.staff.empty()) {
    p += "\nStaff:";
    for (const auto& m : tenant.staff)
      p += fmt::format(" {}{}{};", m.name, m.role.empty() ? "" : ", ", m.role);
  }
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  if (tenant.zone)
    p += fmt::format("\nNow it is {} ({}), time zone {}.", tools::speakable(tenant.zone, secs),
                     tools::toIsoLocal(tenant.zone, secs), tenant.timeZoneName);
  if (callerNumber.empty())
    p += "\nThe caller's number is unknown: ask for a phone number before booking.";
  else
    p += fmt::format("\nThe caller's number is {}.", callerNumber);
  // Stated even for single-language tenants: models drift into the caller's language otherwise
  // when a name or a word sounds foreign.
  p += fmt::format("\nSpeak {} ({}) for the whole call{}.",
                   language.name.empty() ? language.tag : language.name, language.tag,
                   language.extra ? ", the language of the caller's country" : "");
  if (!language.greeting.empty())
    p += fmt::format("\nYou have already greeted the caller with: \"{}\"", language.greeting);
  p += "\nEverything you write is spoken: no lists, markdown or emoji. When the caller is done, "
       "say goodbye and call end_call.";
  return p;
}

}  // namespace parley::dialog
