#include "dialog/net/OpenAiErrorBody.hpp"

#include <nlohmann/json.hpp>

namespace parley::dialog {

namespace {
constexpr size_t kRawExcerptBytes = 200;  // enough to recognise an HTML error page in a log
}

std::string openAiErrorMessage(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    auto e = j.find("error");
    if (e != j.end() && e->is_object()) {
      auto m = e->find("message");
      if (m != e->end() && m->is_string()) return m->get<std::string>();
    }
    if (e != j.end() && e->is_string()) return e->get<std::string>();
  }
  return std::string(body.substr(0, kRawExcerptBytes));
}

}  // namespace parley::dialog
