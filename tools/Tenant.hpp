#pragma once
// One business that Parley answers calls for (DESIGN.md §7): its identity, time zone, hours,
// services, staff, voice and booking settings. Loaded from `config/tenants/<id>.yaml` by
// TenantLoader; immutable afterwards, so one Tenant is shared read-only by every call thread.
#include <date/date.h>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tools/TenantLanguage.hpp"

namespace date {
class time_zone;
}

namespace parley::tools {

class PhoneticMatcher;

/// A span of local wall-clock time in one day: minutes after local midnight, [from, to).
struct TimeRange {
  int fromMinute = 0;
  int toMinute = 0;
  bool operator==(const TimeRange&) const = default;
};

/// Opening hours per weekday, indexed by date::weekday::c_encoding() (0 = Sunday … 6 = Saturday).
/// An empty list means closed that day.
using WeekHours = std::array<std::vector<TimeRange>, 7>;

/// Something the business sells, bookable for `duration`; `bufferAfter` is cleanup time during
/// which the same staff member cannot start another appointment.
struct Service {
  std::string id;    ///< stable key, e.g. "checkup"
  std::string name;  ///< spoken name, e.g. "Checkup"
  std::chrono::minutes duration{0};
  std::chrono::minutes bufferAfter{0};
  std::string price;  ///< free text, spoken as is ("$95")
  std::string description;
};

/// A person appointments are booked with. `hours` unset = the business hours.
struct StaffMember {
  std::string id;                     ///< stable key, e.g. "lee"
  std::string name;                   ///< as spoken, e.g. "Dr. Katherine Lee"
  std::string role;                   ///< e.g. "dentist", "hygienist"
  std::vector<std::string> services;  ///< service ids this person performs
  std::optional<WeekHours> hours;

  bool performs(std::string_view serviceId) const;
};

/// How the tenant's appointments are stored and offered.
struct BookingSettings {
  std::string store = "sqlite";          ///< only "sqlite" today (remote Cal.com store later)
  std::string path = "bookings.sqlite";  ///< file under the worker's data_dir
  std::chrono::minutes minLead{60};      ///< no slot starts sooner than now + minLead
  std::chrono::minutes slotStep{15};     ///< offered start times are multiples of this
  int maxSlots = 5;                      ///< slots returned by one availability query
  int maxDaysAhead = 90;                 ///< nothing is offered or booked further out
};

/// Provider choice per role ("local", "deepgram", "openai", "elevenlabs"); empty = worker default.
struct TenantProviders {
  std::string stt;
  std::string llm;
  std::string tts;
};

/// A loaded, validated tenant. Lookups are case-insensitive on id and name.
struct Tenant {
  std::string id;
  std::string displayName;
  std::vector<std::string> phoneNumbers;  ///< E.164 DIDs routed to this tenant
  std::string timeZoneName;               ///< IANA, e.g. "America/New_York"
  const date::time_zone* zone = nullptr;  ///< resolved from the system tzdata at load
  std::string address;
  WeekHours hours;                         ///< business hours
  std::set<date::local_days> closedDates;  ///< holidays, in the tenant's zone
  std::vector<Service> services;
  std::vector<StaffMember> staff;
  std::string greeting;            ///< in the default language
  std::string systemPrompt;        ///< in (or for) the default language
  std::string language = "en-US";  ///< default language, canonical BCP 47 (see TenantLanguage)
  std::string voice;  ///< default language's voice: a local (flite) voice or a cloud voice id
  /// More languages, chosen per call from the caller's calling code (pickCallLanguage); empty =
  /// every call runs in `language`.
  std::vector<TenantLanguage> languages;
  /// The tenant's `conversation:` block (turn-taking overrides of the worker's conversation.*
  /// settings) as written, at its own line numbers of `sourceFile` (blank lines before it), or
  /// "" if none. The loader checks only that it is a mapping; the agent validates the keys with
  /// the worker's schema (agent/session/ConversationSettings: tenantConversationConfig).
  std::string conversationYaml;
  TenantProviders providers;
  BookingSettings booking;
  /// Browser calls (POST /whip/{id}) need "Authorization: Bearer <this>" when non-empty; it
  /// wins over the worker-wide webrtc.bearer_token. A secret (from `${VAR}` in the file):
  /// never log or serialise it.
  std::string webrtcBearerToken;
  /// Where transfer_call sends a phone caller (blind SIP REFER): an E.164 number, or a sip: /
  /// sips: / tel: URI. "" = calls are not transferred (the agent says it cannot).
  std::string transferTo;
  std::string sourceFile;  ///< where it was loaded from (for messages)
  /// Phonetic keys of staff names (+ role) and service names, computed at load.
  std::shared_ptr<const PhoneticMatcher> staffNames;
  std::shared_ptr<const PhoneticMatcher> serviceNames;

  /// The service whose id or name equals `key` (case-insensitive), or nullptr.
  const Service* findService(std::string_view key) const;
  /// The staff member whose id or full name equals `key` (case-insensitive), or nullptr. For
  /// spoken names use PhoneticMatcher.
  const StaffMember* findStaff(std::string_view key) const;
  /// Business hours on `day` (empty if closed that weekday or a closed date).
  std::vector<TimeRange> openHours(date::local_days day) const;
  /// When `who` can be booked on `day`: business hours ∩ their own hours.
  std::vector<TimeRange> staffHours(const StaffMember& who, date::local_days day) const;
};

/// Lower-cases ASCII letters (ids, names and keys are compared this way).
std::string toLowerAscii(std::string_view s);

/// Intersection of two sorted, non-overlapping range lists.
std::vector<TimeRange> intersect(const std::vector<TimeRange>& a, const std::vector<TimeRange>& b);

}  // namespace parley::tools
