#include "tools/PhoneNumber.hpp"

namespace parley::tools {

std::optional<std::string> normalizePhone(std::string_view text) {
  constexpr size_t kMaxInput = 64;  // longer is not a phone number; bounds the scan
  if (text.size() > kMaxInput) return std::nullopt;
  if (text.substr(0, 4) == "tel:") text.remove_prefix(4);
  bool plus = false;
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9')
      digits += c;
    else if (c == '+' && digits.empty() && !plus)
      plus = true;
    else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')
      continue;
    else
      return std::nullopt;
  }
  if (!plus) {
    if (digits.size() == 10)
      digits = "1" + digits;  // NANP without country code
    else if (digits.size() == 11 && digits[0] == '1') {
    } else
      return std::nullopt;
  }
  if (digits.size() < kMinE164Digits || digits.size() > kMaxE164Digits || digits[0] == '0')
    return std::nullopt;
  return "+" + digits;
}

}  // namespace parley::tools
