// The words of spoken dates and times, and the tokenizer that feeds DatePhraseParser. Internal
// to tools/time: the parser's public interface is DatePhraseParser.hpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::tools::date_words {

/// Cardinal words: "zero"/"oh" → 0, "one"/"a"/"an" → 1 … "twenty", "thirty" … "fifty".
const std::map<std::string, int, std::less<>>& numberWords();
/// Ordinal words: "first" → 1 … "twentieth" → 20, "thirtieth" → 30.
const std::map<std::string, int, std::less<>>& ordinalWords();
/// Month 1–12 from its name or a prefix of ≥ 3 letters ("jan", "sept"); nullopt if none.
std::optional<unsigned> monthOf(std::string_view t);
/// Weekday in date::weekday's c_encoding (Sunday = 0) from a name, plural ("mondays") or short
/// form ("tues", "thurs"); nullopt if none.
std::optional<unsigned> weekdayOf(std::string_view t);
/// True for a non-empty run of ASCII digits.
bool allDigits(std::string_view s);
/// The value of an all-digit token of at most 4 digits (hours, days, years), else nullopt.
std::optional<int> toInt(std::string_view s);
/// Lower-cases, unifies spellings ("tmrw" → "tomorrow", "o'clock" → "oclock") and splits "2pm",
/// "7th", "2:30pm" into tokens; keeps at most 40 (a date phrase is a few words; bounds the
/// parser's scan); reads at most kMaxDatePhraseChars characters. Never throws.
std::vector<std::string> tokenize(std::string_view in);

}  // namespace parley::tools::date_words
