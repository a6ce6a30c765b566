// The system prompt of a call (dialog/conversation/SystemPrompt): the tenant's facts plus the
// call's language (issue 7 "Language" and "History").
#include <doctest/doctest.h>

#include "dialog/conversation/SystemPrompt.hpp"
#include "tools/TenantLoader.hpp"

using namespace parley;

namespace {

const tools::Tenant& rhine() {
  static const tools::Tenant t =
      tools::loadTenantFile(PARLEY_SOURCE_DIR "/config/tenants/rhine.yaml");
  return t;
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'900'000'000));

}  // namespace

TEST_CASE(
    "a French caller's prompt is the French one, says to speak French and quotes the greeting") {
  auto lang = tools::pickCallLanguage(rhine(), "+33612345678");
  std::string p = dialog::buildSystemPrompt(rhine(), kNow, "+33612345678", lang);
  CAPTURE(p);
  CHECK(p.rfind("Vous êtes la réceptionniste de Rhine Valley Physio", 0) == 0);
  CHECK(has(p, "Speak French (fr-FR) for the whole call, the language of the caller's country."));
  CHECK(has(p,
            "You have already greeted the caller with: \"Merci d'avoir appelé Rhine Valley "
            "Physio. Comment puis-je vous aider ?\""));
  CHECK(has(p, "Business: Rhine Valley Physio, 12 quai des Bateliers, Strasbourg."));
  CHECK(has(p, "The caller's number is +33612345678."));
  CHECK_FALSE(has(p, "You are the receptionist"));
}

TEST_CASE("a German caller gets the default prompt with a German instruction") {
  auto lang = tools::pickCallLanguage(rhine(), "+41441234567");
  std::string p = dialog::buildSystemPrompt(rhine(), kNow, "+41441234567", lang);
  CHECK(p.rfind("You are the receptionist of Rhine Valley Physio", 0) == 0);
  CHECK(has(p, "Speak German (de-DE)"));
  CHECK(has(p, "Vielen Dank für Ihren Anruf"));
}

TEST_CASE("a withheld caller gets the default language, and is asked for a number") {
  auto lang = tools::pickCallLanguage(rhine(), "");
  std::string p = dialog::buildSystemPrompt(rhine(), kNow, "", lang);
  CHECK(has(p, "Speak English (en-US) for the whole call."));
  CHECK(has(p, "Thank you for calling Rhine Valley Physio."));
  CHECK(has(p, "ask for a phone number before booking"));
}
