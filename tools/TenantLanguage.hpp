#pragma once
// The languages a tenant answers calls in (issue 7 "Language", DESIGN.md §7). A tenant has one
// default language (its top-level `language`, `greeting`, `system_prompt`, `voice`) and may list
// more under `languages:`, each serving callers from some country calling codes (ITU-T E.164
// §6.2.1: 1-3 digits after '+', prefix-free). At call start pickCallLanguage() chooses one from
// the caller's number; the session applies it to the STT request, the TTS voice, the system
// prompt, the greeting and the agent's own phrases.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::tools {

struct Tenant;

/// What the agent says by itself, without the LLM, in one language (the conversation's filler,
/// reprompt and closing texts), and the words that alone never interrupt it (backchannels).
struct SpokenPhrases {
  std::string filler;               ///< a tool round takes long: "One moment while I check that."
  std::string reprompt;             ///< caller silent: "Are you still there?"
  std::string silenceGoodbye;       ///< caller silent after the reprompts
  std::string maxDuration;          ///< the call reached its time limit
  std::string apology;              ///< a provider failed once
  std::string failGoodbye;          ///< a provider failed for good
  std::string transferUnavailable;  ///< transfer_call where the leg cannot transfer
  std::vector<std::string> backchannels;  ///< lower-case words/phrases ("oui", "d'accord")
};

/// A language Parley can run a call in: Deepgram nova-3 / ElevenLabs flash v2.5 take its ISO
/// 639-1 subtag, espeak-ng has a voice for it.
struct KnownLanguage {
  std::string_view subtag;       ///< ISO 639-1, e.g. "fr"
  std::string_view englishName;  ///< for the system prompt: "French"
  std::string_view espeakVoice;  ///< espeak-ng voice name, e.g. "fr"
  /// Built-in phrases (French, German, Spanish), or nullptr: a tenant using the language as an
  /// extra language must then give `phrases:` (English uses the conversation's own texts).
  const SpokenPhrases* phrases;
};

/// The language with this ISO 639-1 subtag (lower case), or nullptr if Parley does not know it.
const KnownLanguage* findKnownLanguage(std::string_view subtag);

/// The subtags findKnownLanguage() knows, "en, fr, de, …" (for error messages).
std::string knownLanguageSubtags();

/// A BCP 47 tag of the forms "ll" or "ll-RR" (language, region; RFC 5646 §2.1 subset) in
/// canonical case ("FR-fr" → "fr-FR"), or nullopt when it is not of that shape.
std::optional<std::string> canonicalLanguageTag(std::string_view tag);

/// "fr-FR" → "fr" (what Deepgram's `language` and ElevenLabs' `language_code` take).
std::string languageSubtag(std::string_view tag);

/// One extra language of a tenant (`languages:` entry), validated by TenantLoader.
struct TenantLanguage {
  std::string tag;                        ///< canonical BCP 47, e.g. "fr-FR"
  std::vector<std::string> callingCodes;  ///< country calling codes without '+', e.g. {"33"}
  std::string voice;         ///< cloud TTS voice id (ElevenLabs); "" = the worker's voice
  std::string localVoice;    ///< local TTS: a flite voice (English) or "espeak-<voice>"
  std::string greeting;      ///< required: the greeting in this language
  std::string systemPrompt;  ///< "" = the tenant's own prompt (with a "speak <language>" line)
  std::optional<SpokenPhrases> phrases;  ///< nullopt = the built-in set of the language
};

/// The language one call runs in, resolved from the tenant and the caller's number.
struct CallLanguage {
  std::string tag;              ///< e.g. "fr-FR"
  std::string name;             ///< English name, e.g. "French" ("" for an unknown default)
  std::string greeting;         ///< in that language
  std::string systemPrompt;     ///< the tenant's prompt in (or for) that language
  std::string callingCode;      ///< the code that chose it; "" = the tenant's default was used
  const TenantLanguage* extra;  ///< the tenant's entry; nullptr = the default language
  /// The phrases to speak, or nullptr for English (the conversation's configured texts).
  const SpokenPhrases* phrases;
};

/// Picks the call's language: the tenant's extra language whose calling code is the longest
/// prefix of the caller's E.164 number, else the tenant's default (withheld, "anonymous",
/// national-format or unparsable numbers, codes no language lists). `callerNumber` is any
/// format normalizePhone() reads ("+33 6 12 34 56 78", "tel:+49…"), or with the international
/// prefix "00" ("0033612345678"). Never throws. The result
/// points into `tenant` (valid while it lives).
CallLanguage pickCallLanguage(const Tenant& tenant, std::string_view callerNumber);

}  // namespace parley::tools
