// libFuzzer: date/time phrases (untrusted STT text and LLM tool arguments) never crash, and
// every candidate is a sane day range with a time inside the day.
#include <date/date.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tools/time/DatePhraseParser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto today = date::local_days(date::year(2025) / 1 / 6);
  auto p = parley::tools::parseDatePhrase(text, today);
  for (const auto& c : p.candidates) {
    if (c.lastDay < c.firstDay) std::abort();
    if (c.minute && (*c.minute < 0 || *c.minute >= 24 * 60)) std::abort();
    (void)c.describe();
  }
  return 0;
}
