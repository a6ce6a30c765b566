#include "tools/CallTools.hpp"

#include <string>

namespace parley::tools {

using nlohmann::json;

namespace {

bool isKey(char c) {
  return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

json sendDtmf(const json& args, const ToolInvocation&) {
  const std::string digits = args.value("digits", std::string());
  if (digits.empty() || digits.size() > kMaxDtmfDigits)
    return toolError("invalid_arguments",
                     "digits must be 1 to " + std::to_string(kMaxDtmfDigits) + " keys");
  for (char c : digits)
    if (!isKey(c))
      return toolError("invalid_arguments",
                       std::string("'") + c + "' is not a phone key (0-9, *, #, A-D)");
  return {{"status", "sending_keys"}, {"digits", digits}};
}

}  // namespace

void registerSendDtmfTool(ToolRegistry& registry) {
  registry.add({.name = "send_dtmf",
                .description =
                    "Press keys on the phone keypad, e.g. to choose an option in the other "
                    "side's phone menu ('press 1 for appointments'). Use only when a phone "
                    "menu asks for keys.",
                .parameters = {{"type", "object"},
                               {"properties",
                                {{"digits",
                                  {{"type", "string"},
                                   {"minLength", 1},
                                   {"maxLength", kMaxDtmfDigits},
                                   {"description", "The keys to press in order: 0-9, * or #"}}}}},
                               {"required", {"digits"}},
                               {"additionalProperties", false}},
                .handler = sendDtmf,
                .readOnly = false});  // call control: runs in order with the round's other calls
}

}  // namespace parley::tools
