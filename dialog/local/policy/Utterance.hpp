#pragma once
// What one caller turn says, as the scripted booking policy reads it (issue 6): intents by key
// phrases, yes/no, a service and a staff member by phonetic match against the tenant
// (tools/names/PhoneticMatcher), a day and time by tools/time/DatePhraseParser, a choice among
// offered slots ("the first one", "the later one"), a name, a phone number, corrections
// ("no, Wednesday", "actually make it 4", "later than that"). Rules, not statistics: the same
// text always reads the same way. Input is a speech-to-text transcript (lower or mixed case,
// little punctuation, numbers as digits or words).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/Tenant.hpp"
#include "tools/time/DatePhraseParser.hpp"

namespace parley::dialog::local {

/// Transcripts longer than this are cut: a caller's turn is < 60 words; bounds the rule work.
constexpr size_t kMaxUtteranceChars = 600;

enum class Intent { None, Book, Reschedule, Cancel, Hours, Prices, Address, Person, Goodbye };

/// Which earlier offer the caller picked: an index into the offered list, or the last one.
enum class Choice { None, First, Second, Third, Last };

struct Utterance {
  std::string normalized;  ///< lower case, punctuation as spaces, single spaces
  std::vector<Intent> intents;
  bool yes = false;
  bool no = false;
  bool later = false;    ///< "later than that", "something later"
  bool earlier = false;  ///< "anything earlier"
  Choice choice = Choice::None;
  const tools::Service* service = nullptr;
  const tools::StaffMember* staff = nullptr;
  tools::DatePhrase when;  ///< day and/or time said (empty when none)
  std::string name;        ///< "my name is …", "this is …"
  std::string phone;       ///< digits said (spoken or written), ≥ 7 of them
  std::string partOfDay;   ///< "morning" | "afternoon" | "evening" when said

  bool has(Intent i) const;
};

/// Reads one caller turn. `today` is the tenant's local date (for "tomorrow"). When
/// `expectName` is set, a short answer with no other meaning is taken as the caller's name.
Utterance readUtterance(std::string_view text, const tools::Tenant& tenant, date::local_days today,
                        bool expectName = false);

/// Lower case ASCII, every non-alphanumeric except ':' and '\'' turned into a space, runs of
/// spaces collapsed, trimmed.
std::string normalizeText(std::string_view text);

}  // namespace parley::dialog::local
