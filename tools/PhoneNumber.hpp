#pragma once
// Phone numbers as customers are keyed by them: E.164 ("+15551234567", ITU-T E.164 §6).
#include <optional>
#include <string>
#include <string_view>

namespace parley::tools {

/// E.164 allows at most 15 digits after '+' (ITU-T E.164 §6.1); the shortest real ones have 8.
constexpr size_t kMaxE164Digits = 15;
constexpr size_t kMinE164Digits = 8;

/// Normalises a number as a caller or an LLM writes it ("+1 (555) 123-4567", "555-123-4567",
/// "15551234567", "tel:+15551234567") to E.164. Ten digits without a '+' are read as a NANP
/// number (+1, the demo tenant's country). Returns nullopt for anything that is not a number.
std::optional<std::string> normalizePhone(std::string_view text);

}  // namespace parley::tools
