// Tenant languages (issue 7 "Language"): the `languages:` block of a tenant file, validated
// strictly, and the per-call choice from the caller's country calling code.
#include <doctest/doctest.h>

#include <string>

#include "TestSupport.hpp"
#include "core/Error.hpp"
#include "tools/TenantLanguage.hpp"
#include "tools/TenantLoader.hpp"

using namespace parley::tools;

namespace {

// A valid tenant; `extra` is appended at the top level (e.g. a languages: block).
std::string tenantText(const std::string& extra, const std::string& language = "en-US") {
  return test::minimalTenantYaml("multi") + "language: " + language +
         "\ngreeting: Hello, Multi here.\n" + extra;
}

const char* kFrDe = R"(languages:
  - language: fr-FR
    calling_codes: ["33", "32", "352"]
    greeting: Bonjour, ici Multi.
    system_prompt: Vous êtes la réceptionniste de Multi.
  - language: de-DE
    calling_codes: [49, "+43"]
    voice: pNInz6obpgDQGcFmaJgB
    local_voice: espeak-de
    greeting: Guten Tag, hier ist Multi.
)";

Tenant load(const std::string& text) {
  return loadTenantText(text, "t.yaml");
}

std::string errorOf(const std::string& text) {
  return test::tenantLoadError(text);
}

}  // namespace

TEST_CASE("a languages: block loads with defaults filled in") {
  Tenant t = load(tenantText(kFrDe));
  REQUIRE(t.languages.size() == 2);
  const TenantLanguage& fr = t.languages[0];
  CHECK(fr.tag == "fr-FR");
  CHECK(fr.callingCodes == std::vector<std::string>{"33", "32", "352"});
  CHECK(fr.localVoice == "espeak-fr");  // derived from the language
  CHECK(fr.voice.empty());
  CHECK(fr.greeting == "Bonjour, ici Multi.");
  CHECK_FALSE(fr.phrases.has_value());  // the built-in French set is used
  const TenantLanguage& de = t.languages[1];
  CHECK(de.callingCodes == std::vector<std::string>{"49", "43"});  // '+' dropped, ints read
  CHECK(de.voice == "pNInz6obpgDQGcFmaJgB");
  CHECK(de.localVoice == "espeak-de");
}

TEST_CASE("language tags are canonicalised and checked against the known languages") {
  CHECK(canonicalLanguageTag("FR-fr") == "fr-FR");
  CHECK(canonicalLanguageTag("de") == "de");
  CHECK_FALSE(canonicalLanguageTag("french"));
  CHECK_FALSE(canonicalLanguageTag("fr-"));
  CHECK_FALSE(canonicalLanguageTag("fr-FRA"));
  CHECK_FALSE(canonicalLanguageTag(""));
  CHECK(load(tenantText("", "EN-us")).language == "en-US");
  CHECK(languageSubtag("fr-FR") == "fr");
  REQUIRE(findKnownLanguage("de"));
  CHECK(findKnownLanguage("de")->englishName == "German");
  CHECK_FALSE(findKnownLanguage("xx"));
}

TEST_CASE("pickCallLanguage chooses from the caller's calling code") {
  Tenant t = load(tenantText(kFrDe));
  SUBCASE("+33 → French, with the French greeting, prompt and phrases") {
    CallLanguage c = pickCallLanguage(t, "+33612345678");
    CHECK(c.tag == "fr-FR");
    CHECK(c.name == "French");
    CHECK(c.callingCode == "33");
    CHECK(c.extra == &t.languages[0]);
    CHECK(c.greeting == "Bonjour, ici Multi.");
    CHECK(c.systemPrompt == "Vous êtes la réceptionniste de Multi.");
    REQUIRE(c.phrases);
    CHECK(c.phrases->reprompt == "Vous êtes toujours là ?");
  }
  SUBCASE("+49 → German; the tenant's prompt when the language has none") {
    CallLanguage c = pickCallLanguage(t, "tel:+49 30 1234567");
    CHECK(c.tag == "de-DE");
    CHECK(c.systemPrompt == t.systemPrompt);
    REQUIRE(c.phrases);
    CHECK(c.phrases->filler == "Einen Moment, ich sehe kurz nach.");
  }
  SUBCASE("the international prefix 00 instead of '+' (European trunks)") {
    CHECK(pickCallLanguage(t, "0033612345678").tag == "fr-FR");
    CHECK(pickCallLanguage(t, "0049 30 1234567").tag == "de-DE");
    CHECK(pickCallLanguage(t, "00").tag == "en-US");
  }
  SUBCASE("a three-digit code: +352 (Luxembourg) → French") {
    CHECK(pickCallLanguage(t, "+352621123456").tag == "fr-FR");
  }
  SUBCASE("+1 → the English default (no phrases: the conversation's own)") {
    CallLanguage c = pickCallLanguage(t, "+15555550123");
    CHECK(c.tag == "en-US");
    CHECK(c.extra == nullptr);
    CHECK(c.callingCode.empty());
    CHECK(c.greeting == "Hello, Multi here.");
    CHECK(c.phrases == nullptr);
  }
  SUBCASE("a code no language lists → default") {
    CHECK(pickCallLanguage(t, "+442079460000").tag == "en-US");
  }
  SUBCASE("withheld, anonymous or national-format callers → default") {
    CHECK(pickCallLanguage(t, "").tag == "en-US");
    CHECK(pickCallLanguage(t, "anonymous").tag == "en-US");
    CHECK(pickCallLanguage(t, "06 12 34 56 78").tag == "en-US");
  }
}

TEST_CASE("+1 → English when English is an extra language of a French tenant") {
  Tenant t = load(tenantText(R"(languages:
  - language: en-US
    calling_codes: ["1"]
    greeting: Hello, this is Multi.
)",
                             "fr-FR"));
  CHECK(t.languages[0].localVoice == "slt");
  CallLanguage en = pickCallLanguage(t, "+15555550123");
  CHECK(en.tag == "en-US");
  CHECK(en.greeting == "Hello, this is Multi.");
  CHECK(en.phrases == nullptr);
  CallLanguage fr = pickCallLanguage(t, "+33612345678");
  CHECK(fr.tag == "fr-FR");  // the default, by no code of its own
  REQUIRE(fr.phrases);       // a French default still gets French phrases
  CHECK(fr.phrases->apology.find("Pardon") == 0);
}

TEST_CASE("a single-language tenant keeps its language for every caller") {
  Tenant t = load(tenantText("", "de-DE"));
  CHECK(pickCallLanguage(t, "+33612345678").tag == "de-DE");
  CHECK(pickCallLanguage(t, "+15555550123").tag == "de-DE");
  CHECK(pickCallLanguage(t, "").tag == "de-DE");
}

TEST_CASE("phrases: a partial set overrides the built-in one; a full one is needed otherwise") {
  Tenant t = load(tenantText(R"(languages:
  - language: fr
    calling_codes: [33]
    greeting: Bonjour.
    phrases:
      reprompt: Allô, vous m'entendez ?
      backchannels: [Oui, "D'accord"]
  - language: it
    calling_codes: [39]
    greeting: Buongiorno.
    phrases:
      filler: Un attimo, controllo.
      reprompt: È ancora in linea?
      silence_goodbye: Non sento più nulla, riaggancio. Arrivederci!
      max_duration: Abbiamo raggiunto il tempo massimo. Arrivederci!
      apology: Mi scusi, può ripetere?
      fail_goodbye: Ho problemi tecnici. Richiami più tardi. Arrivederci!
      transfer_unavailable: Non posso trasferire la chiamata, ma la aiuto io.
      backchannels: [sì, ok, certo]
)"));
  REQUIRE(t.languages[0].phrases);
  CHECK(t.languages[0].phrases->reprompt == "Allô, vous m'entendez ?");
  CHECK(t.languages[0].phrases->filler == "Un instant, je vérifie.");  // built-in
  CHECK(t.languages[0].phrases->backchannels == std::vector<std::string>{"oui", "d'accord"});
  CallLanguage it = pickCallLanguage(t, "+390612345678");
  CHECK(it.tag == "it");
  CHECK(it.name == "Italian");
  REQUIRE(it.phrases);
  CHECK(it.phrases->filler == "Un attimo, controllo.");
  CHECK(t.languages[1].localVoice == "espeak-it");
}

TEST_CASE("bad languages: blocks are refused with the file:line, key and reason") {
  struct Case {
    const char* name;
    std::string text;
    std::string expected;  // substring of the message
  };
  auto entry = [](const std::string& body) { return tenantText("languages:\n  - " + body); };
  const Case cases[] = {
      {"not a list", tenantText("languages: fr\n"), "languages: must be a list"},
      {"unknown key in an entry",
       entry("language: fr\n    calling_codes: [33]\n    greeting: Bonjour\n    voix: x\n"),
       "languages[0].voix"},
      {"language missing", entry("calling_codes: [33]\n    greeting: Bonjour\n"),
       "languages[0].language: is required"},
      {"malformed tag", entry("language: french\n    calling_codes: [33]\n    greeting: B\n"),
       "'french' is not a language tag"},
      {"unknown language tag", entry("language: xx-XX\n    calling_codes: [33]\n    greeting: B\n"),
       "unknown language 'xx'"},
      {"the default language again",
       entry("language: en-us\n    calling_codes: [1]\n    greeting: H\n"),
       "already the tenant's default language"},
      {"duplicate language",
       tenantText("languages:\n  - language: fr\n    calling_codes: [33]\n    greeting: B\n"
                  "  - language: FR\n    calling_codes: [32]\n    greeting: B\n"),
       "languages[1].language: duplicate 'fr'"},
      {"calling_codes missing", entry("language: fr\n    greeting: Bonjour\n"),
       "languages[0].calling_codes: is required"},
      {"calling_codes empty", entry("language: fr\n    calling_codes: []\n    greeting: B\n"),
       "must be a non-empty list"},
      {"calling code with a leading 0",
       entry("language: fr\n    calling_codes: [\"033\"]\n    greeting: B\n"),
       "languages[0].calling_codes[0]: '033' is not a country calling code"},
      {"calling code too long",
       entry("language: fr\n    calling_codes: [\"3312\"]\n    greeting: B\n"),
       "'3312' is not a country calling code"},
      {"calling code not digits", entry("language: fr\n    calling_codes: [FR]\n    greeting: B\n"),
       "'FR' is not a country calling code"},
      {"duplicate calling code across languages",
       tenantText("languages:\n  - language: fr\n    calling_codes: [33, 32]\n    greeting: B\n"
                  "  - language: nl\n    calling_codes: [31, \"+32\"]\n    greeting: G\n"
                  "    phrases: {filler: a, reprompt: b, silence_goodbye: c, max_duration: d,\n"
                  "              apology: e, fail_goodbye: f, transfer_unavailable: g,\n"
                  "              backchannels: [ja]}\n"),
       "languages[1].calling_codes[1]: duplicate calling code +32 (already serves fr)"},
      {"flite voice for French",
       entry("language: fr\n    calling_codes: [33]\n    greeting: B\n    local_voice: slt\n"),
       "flite voice 'slt' speaks English only"},
      {"unknown local voice",
       entry("language: fr\n    calling_codes: [33]\n    greeting: B\n    local_voice: amelie\n"),
       "'amelie' is neither a flite voice"},
      {"empty espeak voice",
       entry("language: fr\n    calling_codes: [33]\n    greeting: B\n    local_voice: espeak-\n"),
       "'espeak-' is neither a flite voice"},
      {"greeting missing", entry("language: fr\n    calling_codes: [33]\n"),
       "languages[0].greeting: is required"},
      {"greeting empty", entry("language: fr\n    calling_codes: [33]\n    greeting: \"\"\n"),
       "languages[0].greeting: must not be empty"},
      {"phrases needed for a language without a built-in set",
       entry("language: it\n    calling_codes: [39]\n    greeting: Buongiorno\n"),
       "languages[0].phrases: is required for Italian"},
      {"partial phrases without a built-in set",
       entry("language: it\n    calling_codes: [39]\n    greeting: B\n"
             "    phrases: {filler: Un attimo}\n"),
       "languages[0].phrases.reprompt: is required"},
      {"unknown phrase key",
       entry("language: fr\n    calling_codes: [33]\n    greeting: B\n"
             "    phrases: {bonjour: x}\n"),
       "languages[0].phrases.bonjour: unknown key"},
      {"empty phrase",
       entry("language: fr\n    calling_codes: [33]\n    greeting: B\n"
             "    phrases: {filler: \"\"}\n"),
       "languages[0].phrases.filler: must not be empty"},
      {"bad top-level language", tenantText("", "English"), "language: 'English' is not"},
      {"unknown top-level language", tenantText("", "tlh"), "is not a language tag"},
      {"unknown top-level language subtag", tenantText("", "zz"), "unknown language 'zz'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::string msg = errorOf(c.text);
    CAPTURE(msg);
    CHECK(msg.find(c.expected) != std::string::npos);
    CHECK(msg.find("t.yaml:") != std::string::npos);  // file:line
  }
}
