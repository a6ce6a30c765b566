#include "tools/TenantLanguage.hpp"

#include <array>
#include <cctype>

#include "tools/PhoneNumber.hpp"
#include "tools/Tenant.hpp"

namespace parley::tools {
namespace {

// Written by hand for the languages with a built-in set; short, polite, spoken-style.
const SpokenPhrases kFrench{
    "Un instant, je vérifie.",
    "Vous êtes toujours là ?",
    "Je n'entends plus rien, je vais donc raccrocher. Au revoir !",
    "Je suis désolé, nous avons atteint la durée maximale de cet appel. N'hésitez pas à "
    "rappeler si besoin. Au revoir !",
    "Pardon, j'ai un petit souci. Pouvez-vous répéter ?",
    "Désolé, je rencontre des difficultés techniques. Merci de rappeler plus tard. Au revoir !",
    "Je suis désolé, je ne peux pas transférer cet appel, mais je peux vous aider moi-même.",
    {"mm", "mmh", "hum", "euh", "oui", "ouais", "d'accord", "ok", "okay", "voilà", "bien sûr",
     "je vois", "très bien"}};

const SpokenPhrases kGerman{
    "Einen Moment, ich sehe kurz nach.",
    "Sind Sie noch da?",
    "Ich höre nichts mehr, deshalb lege ich jetzt auf. Auf Wiederhören!",
    "Es tut mir leid, wir haben die maximale Gesprächsdauer erreicht. Bitte rufen Sie wieder "
    "an, wenn Sie noch etwas brauchen. Auf Wiederhören!",
    "Entschuldigung, ich habe gerade ein Problem. Könnten Sie das bitte wiederholen?",
    "Entschuldigung, ich habe technische Schwierigkeiten. Bitte rufen Sie später noch einmal "
    "an. Auf Wiederhören!",
    "Es tut mir leid, ich kann diesen Anruf nicht weiterleiten, aber ich helfe Ihnen gern selbst.",
    {"mhm", "hm", "ähm", "ja", "jawohl", "genau", "okay", "ok", "gut", "alles klar", "verstehe",
     "stimmt"}};

const SpokenPhrases kSpanish{
    "Un momento, lo compruebo.",
    "¿Sigue ahí?",
    "No le oigo, así que voy a colgar. ¡Adiós!",
    "Lo siento, hemos alcanzado el tiempo máximo de esta llamada. Vuelva a llamar si necesita "
    "algo más. ¡Adiós!",
    "Perdone, tengo un problema en este momento. ¿Podría repetirlo?",
    "Lo siento, tengo dificultades técnicas. Por favor, llame más tarde. ¡Adiós!",
    "Lo siento, no puedo transferir esta llamada, pero con gusto le ayudo yo.",
    {"mm", "eh", "sí", "vale", "claro", "ajá", "bueno", "ok", "okay", "de acuerdo", "entiendo"}};

// Languages that Deepgram nova-3 (or nova-2), ElevenLabs flash v2.5 and espeak-ng all have.
const std::array<KnownLanguage, 25> kLanguages{{
    {"en", "English", "en-us", nullptr}, {"fr", "French", "fr", &kFrench},
    {"de", "German", "de", &kGerman},    {"es", "Spanish", "es", &kSpanish},
    {"it", "Italian", "it", nullptr},    {"pt", "Portuguese", "pt", nullptr},
    {"nl", "Dutch", "nl", nullptr},      {"sv", "Swedish", "sv", nullptr},
    {"da", "Danish", "da", nullptr},     {"no", "Norwegian", "nb", nullptr},
    {"fi", "Finnish", "fi", nullptr},    {"pl", "Polish", "pl", nullptr},
    {"cs", "Czech", "cs", nullptr},      {"ru", "Russian", "ru", nullptr},
    {"uk", "Ukrainian", "uk", nullptr},  {"tr", "Turkish", "tr", nullptr},
    {"el", "Greek", "el", nullptr},      {"hu", "Hungarian", "hu", nullptr},
    {"ro", "Romanian", "ro", nullptr},   {"bg", "Bulgarian", "bg", nullptr},
    {"hi", "Hindi", "hi", nullptr},      {"ja", "Japanese", "ja", nullptr},
    {"ko", "Korean", "ko", nullptr},     {"id", "Indonesian", "id", nullptr},
    {"vi", "Vietnamese", "vi", nullptr},
}};

bool allAlpha(std::string_view s) {
  for (char c : s)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

const KnownLanguage* findKnownLanguage(std::string_view subtag) {
  for (const auto& l : kLanguages)
    if (l.subtag == subtag) return &l;
  return nullptr;
}

std::string knownLanguageSubtags() {
  std::string out;
  for (const auto& l : kLanguages) out += (out.empty() ? "" : ", ") + std::string(l.subtag);
  return out;
}

std::optional<std::string> canonicalLanguageTag(std::string_view tag) {
  std::string_view lang = tag.substr(0, tag.find('-'));
  if (lang.size() != 2 || !allAlpha(lang)) return std::nullopt;
  std::string out;
  for (char c : lang) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lang.size() == tag.size()) return out;
  std::string_view region = tag.substr(lang.size() + 1);
  if (region.size() != 2 || !allAlpha(region)) return std::nullopt;
  out += '-';
  for (char c : region) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string languageSubtag(std::string_view tag) {
  return std::string(tag.substr(0, tag.find('-')));
}

CallLanguage pickCallLanguage(const Tenant& tenant, std::string_view callerNumber) {
  CallLanguage out{tenant.language, "", tenant.greeting, tenant.systemPrompt, "", nullptr, nullptr};
  if (!tenant.languages.empty()) {
    // As everywhere in Parley, ten bare digits are read as a NANP number (+1); other
    // national-format numbers ("06 12 34 56 78") do not say the country and get the default.
    std::optional<std::string> e164 = normalizePhone(callerNumber);
    // "0033 6 …": some trunks send the international prefix most countries dial (00) where
    // ITU-T E.123 writes '+'.
    if (!e164 && callerNumber.substr(0, 2) == "00")
      e164 = normalizePhone("+" + std::string(callerNumber.substr(2)));
    if (e164) {
      std::string_view digits = std::string_view(*e164).substr(1);
      for (const auto& lang : tenant.languages)
        for (const auto& code : lang.callingCodes)
          if (digits.substr(0, code.size()) == code && code.size() > out.callingCode.size()) {
            out.callingCode = code;
            out.extra = &lang;
          }
    }
  }
  if (out.extra) {
    out.tag = out.extra->tag;
    out.greeting = out.extra->greeting;
    if (!out.extra->systemPrompt.empty()) out.systemPrompt = out.extra->systemPrompt;
  }
  const KnownLanguage* known = findKnownLanguage(languageSubtag(out.tag));
  if (known) out.name = std::string(known->englishName);
  if (out.extra && out.extra->phrases)
    out.phrases = &*out.extra->phrases;
  else if (known)
    out.phrases = known->phrases;
  return out;
}

}  // namespace parley::tools
