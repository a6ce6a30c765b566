#include "tools/TenantLoader.hpp"

#include <date/tz.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "core/EnvExpand.hpp"
#include "core/Error.hpp"
#include "tools/PhoneNumber.hpp"
#include "tools/names/PhoneticMatcher.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::tools {
namespace {

using core::ConfigError;

constexpr int kMaxServiceMinutes = 8 * 60;  // longer than a working day is a typo
constexpr int kMaxBufferMinutes = 4 * 60;   // same
constexpr size_t kMaxListEntries = 500;     // services/staff/numbers/closed dates per tenant
constexpr int kMaxLeadMinutes = 30 * 24 * 60;

const char* const kWeekdays[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                  "thursday", "friday", "saturday"};

// Walks the YAML tree, remembering the source name for messages.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  std::string where(const YAML::Node& n) const {
    if (!n.IsDefined() || n.Mark().is_null()) return source_;
    return source_ + ":" + std::to_string(n.Mark().line + 1);
  }
  [[noreturn]] void fail(const std::string& path, const YAML::Node& n,
                         const std::string& why) const {
    throw ConfigError(path, where(n), why);
  }

  void checkKeys(const YAML::Node& map, const std::string& path,
                 const std::set<std::string>& allowed) const {
    if (!map.IsMap()) fail(path.empty() ? "(root)" : path, map, "must be a mapping");
    for (const auto& kv : map) {
      auto key = kv.first.as<std::string>();
      if (allowed.count(key) == 0) {
        std::string all;
        for (const auto& a : allowed) all += (all.empty() ? "" : ", ") + a;
        fail(join(path, key), kv.first, "unknown key (allowed: " + all + ")");
      }
    }
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  std::string str(const YAML::Node& parent, const std::string& path, const std::string& key,
                  bool required, const std::string& def = "") const {
    auto n = parent[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) fail(join(path, key), parent, "is required");
      return def;
    }
    if (!n.IsScalar()) fail(join(path, key), n, "must be a string");
    return n.as<std::string>();
  }

  int integer(const YAML::Node& parent, const std::string& path, const std::string& key,
              bool required, int def, int min, int max) const {
    auto n = parent[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) fail(join(path, key), parent, "is required");
      return def;
    }
    int v = 0;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, v))
      fail(join(path, key), n,
           "must be an integer, got '" + (n.IsScalar() ? n.Scalar() : "") + "'");
    if (v < min || v > max)
      fail(join(path, key), n,
           "out of range: " + std::to_string(v) + " (allowed " + std::to_string(min) + " .. " +
               std::to_string(max) + ")");
    return v;
  }

  std::vector<std::string> strList(const YAML::Node& parent, const std::string& path,
                                   const std::string& key, bool required) const {
    auto n = parent[key];
    std::vector<std::string> out;
    if (!n.IsDefined() || n.IsNull()) {
      if (required) fail(join(path, key), parent, "is required");
      return out;
    }
    if (!n.IsSequence()) fail(join(path, key), n, "must be a list");
    if (n.size() > kMaxListEntries) fail(join(path, key), n, "too many entries");
    for (size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar())
        fail(join(path, key) + "[" + std::to_string(i) + "]", n[i], "must be a string");
      out.push_back(n[i].as<std::string>());
    }
    return out;
  }

  // "HH:MM" → minutes after midnight (24:00 allowed as an end).
  std::optional<int> hhmm(const std::string& s) const {
    int h = 0, m = 0;
    char colon = 0;
    std::istringstream is(s);
    if (!(is >> h >> colon >> m) || colon != ':' || !is.eof()) return std::nullopt;
    if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
    return h * 60 + m;
  }

  // "09:00-17:00" | ["09:00-12:00", "13:00-17:00"] | "closed"
  std::vector<TimeRange> dayHours(const YAML::Node& n, const std::string& path) const {
    std::vector<std::string> parts;
    if (n.IsScalar())
      parts.push_back(n.as<std::string>());
    else if (n.IsSequence())
      for (const auto& p : n) {
        if (!p.IsScalar()) fail(path, p, "each entry must be \"HH:MM-HH:MM\"");
        parts.push_back(p.as<std::string>());
      }
    else
      fail(path, n, "must be \"HH:MM-HH:MM\", a list of them, or \"closed\"");
    std::vector<TimeRange> out;
    for (const auto& p : parts) {
      if (toLowerAscii(p) == "closed") continue;
      auto dash = p.find('-');
      auto from = dash == std::string::npos ? std::nullopt : hhmm(p.substr(0, dash));
      auto to = dash == std::string::npos ? std::nullopt : hhmm(p.substr(dash + 1));
      if (!from || !to) fail(path, n, "'" + p + "' is not \"HH:MM-HH:MM\"");
      if (*from >= *to) fail(path, n, "'" + p + "' ends before it starts");
      out.push_back({*from, *to});
    }
    std::sort(out.begin(), out.end(),
              [](const TimeRange& a, const TimeRange& b) { return a.fromMinute < b.fromMinute; });
    for (size_t i = 1; i < out.size(); ++i)
      if (out[i].fromMinute < out[i - 1].toMinute) fail(path, n, "ranges overlap");
    return out;
  }

  WeekHours weekHours(const YAML::Node& parent, const std::string& path, const std::string& key,
                      bool required) const {
    WeekHours wh;
    auto n = parent[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) fail(join(path, key), parent, "is required");
      return wh;
    }
    std::set<std::string> allowed(std::begin(kWeekdays), std::end(kWeekdays));
    checkKeys(n, join(path, key), allowed);
    for (int d = 0; d < 7; ++d) {
      auto day = n[kWeekdays[d]];
      if (!day.IsDefined() || day.IsNull()) continue;  // not listed = closed
      wh[static_cast<size_t>(d)] = dayHours(day, join(path, key) + "." + kWeekdays[d]);
    }
    return wh;
  }

 private:
  std::string source_;
};

constexpr size_t kMaxTenantLanguages = 20;  // extra languages per tenant
const char* const kFliteVoices[] = {"slt", "kal", "awb", "rms"};

// "espeak-" + an espeak-ng voice name (letters, digits, '-', '_'; e.g. "espeak-fr-be").
bool validEspeakVoice(const std::string& v) {
  const std::string prefix = "espeak-";
  if (v.rfind(prefix, 0) != 0 || v.size() == prefix.size() || v.size() > prefix.size() + 40)
    return false;
  return std::all_of(v.begin() + static_cast<std::ptrdiff_t>(prefix.size()), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool validId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// RFC 6750 §2.1 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool validBearerToken(const std::string& t) {
  if (t.empty() || t.size() > kMaxBearerTokenChars) return false;
  size_t i = 0;
  while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) ||
                          std::string_view("-._~+/").find(t[i]) != std::string_view::npos))
    ++i;
  if (i == 0) return false;
  while (i < t.size() && t[i] == '=') ++i;
  return i == t.size();
}

// webrtc.bearer_token: a secret, so no message quotes the value (only the variable names).
std::string bearerToken(const YAML::Node& webrtc, const Reader& r, const core::EnvLookup& env) {
  const std::string path = "webrtc.bearer_token";
  auto n = webrtc["bearer_token"];
  if (!n.IsDefined() || n.IsNull()) return {};
  if (!n.IsScalar()) r.fail(path, n, "must be a string");
  const std::string raw = n.as<std::string>();
  for (size_t at = raw.find("${"); at != std::string::npos; at = raw.find("${", at + 2))
    if (raw.find('}', at) == std::string::npos)
      r.fail(path, n, "unterminated ${ (the value is a secret and is not shown)");
  const std::string token = core::expandEnvironment(raw, env, path, r.where(n));
  if (!token.empty() && !validBearerToken(token))
    r.fail(path, n,
           "must be 1-" + std::to_string(kMaxBearerTokenChars) +
               " characters of A-Z a-z 0-9 - . _ ~ + / (then '=' padding), as in RFC 6750; "
               "the value is a secret and is not shown");
  return token;
}

// A `language:` value: "ll" or "ll-RR" of a language Parley knows (TenantLanguage.cpp's table).
std::string languageTag(const Reader& r, const YAML::Node& parent, const std::string& parentPath,
                        const std::string& def) {
  const std::string path = Reader::join(parentPath, "language");
  const std::string raw = r.str(parent, parentPath, "language", def.empty(), def);
  const YAML::Node n = parent["language"];
  auto tag = canonicalLanguageTag(raw);
  if (!tag)
    r.fail(path, n.IsDefined() ? n : parent,
           "'" + raw + "' is not a language tag like \"fr\" or \"fr-FR\" (BCP 47)");
  if (!findKnownLanguage(languageSubtag(*tag)))
    r.fail(path, n.IsDefined() ? n : parent,
           "unknown language '" + languageSubtag(*tag) +
               "' (Parley speaks: " + knownLanguageSubtags() + ")");
  return *tag;
}

// "33", 33 or "+33": an ITU-T E.164 country calling code (1-3 digits, not starting with 0).
std::string callingCode(const Reader& r, const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) r.fail(path, n, "must be a country calling code like \"33\"");
  std::string code = n.Scalar();
  if (!code.empty() && code.front() == '+') code.erase(0, 1);
  bool digits = !code.empty() &&
                std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || code.size() > 3 || code.front() == '0')
    r.fail(path, n,
           "'" + n.Scalar() +
               "' is not a country calling code (1-3 digits after '+', e.g. 33 for France)");
  return code;
}

// `phrases:` of one language, over the language's built-in set (if any).
SpokenPhrases phrases(const Reader& r, const YAML::Node& n, const std::string& path,
                      const KnownLanguage& lang) {
  r.checkKeys(n, path,
              {"filler", "reprompt", "silence_goodbye", "max_duration", "apology", "fail_goodbye",
               "transfer_unavailable", "backchannels"});
  SpokenPhrases p = lang.phrases ? *lang.phrases : SpokenPhrases{};
  const bool required = lang.phrases == nullptr;
  auto text = [&](const char* key, std::string& into) {
    into = r.str(n, path, key, required, into);
    if (into.empty()) r.fail(Reader::join(path, key), n[key], "must not be empty");
  };
  text("filler", p.filler);
  text("reprompt", p.reprompt);
  text("silence_goodbye", p.silenceGoodbye);
  text("max_duration", p.maxDuration);
  text("apology", p.apology);
  text("fail_goodbye", p.failGoodbye);
  text("transfer_unavailable", p.transferUnavailable);
  if (n["backchannels"].IsDefined() || required) {
    p.backchannels = r.strList(n, path, "backchannels", required);
    for (auto& w : p.backchannels) w = toLowerAscii(w);
  }
  return p;
}

// `languages:` — the tenant's extra languages (TenantLanguage.hpp).
std::vector<TenantLanguage> extraLanguages(const Reader& r, const YAML::Node& root,
                                           const std::string& defaultTag) {
  std::vector<TenantLanguage> out;
  auto list = root["languages"];
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) r.fail("languages", list, "must be a list of languages");
  if (list.size() > kMaxTenantLanguages) r.fail("languages", list, "too many entries");
  std::map<std::string, std::string> codeOwner;  // calling code → the entry that serves it
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string p = "languages[" + std::to_string(i) + "]";
    auto e = list[i];
    r.checkKeys(e, p,
                {"language", "calling_codes", "voice", "local_voice", "greeting", "system_prompt",
                 "phrases"});
    TenantLanguage l;
    l.tag = languageTag(r, e, p, "");
    const KnownLanguage& known = *findKnownLanguage(languageSubtag(l.tag));
    if (l.tag == defaultTag)
      r.fail(p + ".language", e["language"],
             "'" + l.tag + "' is already the tenant's default language (top-level language)");
    for (const auto& other : out)
      if (other.tag == l.tag) r.fail(p + ".language", e["language"], "duplicate '" + l.tag + "'");
    auto codes = e["calling_codes"];
    if (!codes.IsDefined() || codes.IsNull())
      r.fail(p + ".calling_codes", e, "is required (the country codes this language serves)");
    if (!codes.IsSequence() || codes.size() == 0)
      r.fail(p + ".calling_codes", codes, "must be a non-empty list like [\"33\"]");
    if (codes.size() > kMaxListEntries) r.fail(p + ".calling_codes", codes, "too many entries");
    for (size_t k = 0; k < codes.size(); ++k) {
      const std::string cp = p + ".calling_codes[" + std::to_string(k) + "]";
      std::string code = callingCode(r, codes[k], cp);
      auto [it, fresh] = codeOwner.emplace(code, l.tag);
      if (!fresh)
        r.fail(cp, codes[k],
               "duplicate calling code +" + code + " (already serves " + it->second + ")");
      l.callingCodes.push_back(code);
    }
    l.voice = r.str(e, p, "voice", false);
    l.localVoice = r.str(e, p, "local_voice", false);
    if (l.localVoice.empty())
      l.localVoice = known.subtag == "en" ? "slt" : "espeak-" + std::string(known.espeakVoice);
    const bool flite = std::find(std::begin(kFliteVoices), std::end(kFliteVoices), l.localVoice) !=
                       std::end(kFliteVoices);
    if (flite && known.subtag != "en")
      r.fail(p + ".local_voice", e["local_voice"],
             "flite voice '" + l.localVoice +
                 "' speaks English only; use an espeak-ng voice "
                 "like \"espeak-" +
                 std::string(known.espeakVoice) + "\"");
    if (!flite && !validEspeakVoice(l.localVoice))
      r.fail(p + ".local_voice", e["local_voice"],
             "'" + l.localVoice + "' is neither a flite voice (slt, kal, awb, rms) nor " +
                 "\"espeak-<voice>\" (an espeak-ng voice name, e.g. espeak-fr)");
    l.greeting = r.str(e, p, "greeting", true);
    if (l.greeting.empty()) r.fail(p + ".greeting", e["greeting"], "must not be empty");
    l.systemPrompt = r.str(e, p, "system_prompt", false);
    if (auto ph = e["phrases"]; ph.IsDefined() && !ph.IsNull())
      l.phrases = phrases(r, ph, p + ".phrases", known);
    else if (known.subtag != "en" && !known.phrases)
      r.fail(p + ".phrases", e,
             "is required for " + std::string(known.englishName) +
                 " (no built-in set): filler, reprompt, silence_goodbye, max_duration, apology, "
                 "fail_goodbye, transfer_unavailable, backchannels");
    out.push_back(std::move(l));
  }
  return out;
}

// The `conversation:` block as written (its lines of `text`), preceded by blank lines so that
// its line numbers stay those of the file: the agent validates it with the worker's schema for
// conversation.* (agent/session/ConversationSettings), whose messages then point into the file.
std::string conversationBlock(const YAML::Node& root, const Reader& r, std::string_view text) {
  const YAML::Node block = root["conversation"];
  if (!block.IsDefined() || block.IsNull()) return {};
  if (!block.IsMap()) r.fail("conversation", block, "must be a mapping of conversation.* keys");
  YAML::Mark mark;
  for (const auto& kv : root)
    if (kv.first.as<std::string>() == "conversation") mark = kv.first.Mark();
  const size_t first = static_cast<size_t>(mark.line);
  std::string out(first, '\n');
  size_t line = 0, at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(at, end - at);
    if (line == first) {
      out += std::string(l) + '\n';
    } else if (line > first) {
      const bool inside = l.empty() || l.front() == ' ' || l.front() == '\t' || l.front() == '#';
      if (!inside) break;
      out += std::string(l) + '\n';
    }
    ++line;
    at = end + 1;
  }
  return out;
}

Tenant parse(const YAML::Node& root, const Reader& r, const core::EnvLookup& env,
             std::string_view text) {
  r.checkKeys(
      root, "",
      {"id", "display_name", "phone_numbers", "time_zone", "address", "hours", "closed_dates",
       "services", "staff", "greeting", "system_prompt", "language", "voice", "languages",
       "conversation", "providers", "booking", "webrtc", "transfer_to"});
  Tenant t;
  t.id = r.str(root, "", "id", true);
  if (!validId(t.id)) r.fail("id", root["id"], "must be 1-64 characters of a-z, 0-9, '-', '_'");
  t.displayName = r.str(root, "", "display_name", true);
  for (const auto& num : r.strList(root, "", "phone_numbers", false)) {
    auto e164 = normalizePhone(num);
    if (!e164 || *e164 != num)
      r.fail("phone_numbers", root["phone_numbers"],
             "'" + num + "' is not an E.164 number like +15550100100");
    t.phoneNumbers.push_back(*e164);
  }
  t.timeZoneName = r.str(root, "", "time_zone", true);
  try {
    t.zone = date::locate_zone(t.timeZoneName);
  } catch (const std::exception&) {
    r.fail("time_zone", root["time_zone"],
           "'" + t.timeZoneName + "' is not an IANA time zone in the system tzdata");
  }
  t.address = r.str(root, "", "address", false);
  t.hours = r.weekHours(root, "", "hours", true);
  auto closed = r.strList(root, "", "closed_dates", false);
  for (size_t i = 0; i < closed.size(); ++i) {
    auto d = parseIsoDate(closed[i]);
    if (!d)
      r.fail("closed_dates[" + std::to_string(i) + "]", root["closed_dates"][i],
             "'" + closed[i] + "' is not a date YYYY-MM-DD");
    t.closedDates.insert(*d);
  }

  auto services = root["services"];
  if (!services.IsDefined() || !services.IsSequence() || services.size() == 0)
    r.fail("services", services.IsDefined() ? services : root, "must be a non-empty list");
  if (services.size() > kMaxListEntries) r.fail("services", services, "too many entries");
  for (size_t i = 0; i < services.size(); ++i) {
    std::string p = "services[" + std::to_string(i) + "]";
    auto s = services[i];
    r.checkKeys(s, p, {"id", "name", "duration_minutes", "buffer_minutes", "price", "description"});
    Service svc;
    svc.id = r.str(s, p, "id", true);
    if (!validId(svc.id))
      r.fail(p + ".id", s["id"], "must be 1-64 characters of a-z, 0-9, '-', '_'");
    if (t.findService(svc.id)) r.fail(p + ".id", s["id"], "duplicate service '" + svc.id + "'");
    svc.name = r.str(s, p, "name", false, svc.id);
    svc.duration =
        std::chrono::minutes(r.integer(s, p, "duration_minutes", true, 0, 5, kMaxServiceMinutes));
    svc.bufferAfter =
        std::chrono::minutes(r.integer(s, p, "buffer_minutes", false, 0, 0, kMaxBufferMinutes));
    svc.price = r.str(s, p, "price", false);
    svc.description = r.str(s, p, "description", false);
    t.services.push_back(std::move(svc));
  }

  auto staff = root["staff"];
  if (!staff.IsDefined() || !staff.IsSequence() || staff.size() == 0)
    r.fail("staff", staff.IsDefined() ? staff : root, "must be a non-empty list");
  if (staff.size() > kMaxListEntries) r.fail("staff", staff, "too many entries");
  for (size_t i = 0; i < staff.size(); ++i) {
    std::string p = "staff[" + std::to_string(i) + "]";
    auto s = staff[i];
    r.checkKeys(s, p, {"id", "name", "role", "services", "hours"});
    StaffMember m;
    m.id = r.str(s, p, "id", true);
    if (!validId(m.id)) r.fail(p + ".id", s["id"], "must be 1-64 characters of a-z, 0-9, '-', '_'");
    if (t.findStaff(m.id)) r.fail(p + ".id", s["id"], "duplicate staff id '" + m.id + "'");
    m.name = r.str(s, p, "name", true);
    m.role = r.str(s, p, "role", false);
    m.services = r.strList(s, p, "services", true);
    for (size_t k = 0; k < m.services.size(); ++k)
      if (!t.findService(m.services[k]) || t.findService(m.services[k])->id != m.services[k])
        r.fail(p + ".services[" + std::to_string(k) + "]", s["services"][k],
               "unknown service '" + m.services[k] + "' (not an id under services)");
    if (s["hours"].IsDefined()) m.hours = r.weekHours(s, p, "hours", false);
    t.staff.push_back(std::move(m));
  }
  for (size_t i = 0; i < t.services.size(); ++i) {
    bool anyone = std::any_of(t.staff.begin(), t.staff.end(),
                              [&](const StaffMember& m) { return m.performs(t.services[i].id); });
    if (!anyone)
      r.fail("services[" + std::to_string(i) + "]", services[i],
             "no staff member performs '" + t.services[i].id + "'");
  }

  t.greeting =
      r.str(root, "", "greeting", false, "Hello, thanks for calling " + t.displayName + ".");
  t.systemPrompt = r.str(root, "", "system_prompt", false);
  t.language = languageTag(r, root, "", "en-US");
  t.voice = r.str(root, "", "voice", false);
  t.languages = extraLanguages(r, root, t.language);
  t.conversationYaml = conversationBlock(root, r, text);
  t.transferTo = r.str(root, "", "transfer_to", false);
  if (!t.transferTo.empty()) {
    const std::string& v = t.transferTo;
    bool uri = v.rfind("sip:", 0) == 0 || v.rfind("sips:", 0) == 0 || v.rfind("tel:", 0) == 0;
    auto e164 = normalizePhone(v);
    if (uri ? (v.size() < 6 || v.find_first_of(" <>\"\r\n") != std::string::npos)
            : (!e164 || *e164 != v))
      r.fail("transfer_to", root["transfer_to"],
             "'" + v + "' is neither an E.164 number like +15550100199 nor a sip:/tel: URI");
  }
  if (auto prov = root["providers"]; prov.IsDefined() && !prov.IsNull()) {
    r.checkKeys(prov, "providers", {"stt", "llm", "tts"});
    t.providers.stt = r.str(prov, "providers", "stt", false);
    t.providers.llm = r.str(prov, "providers", "llm", false);
    t.providers.tts = r.str(prov, "providers", "tts", false);
  }
  if (auto b = root["booking"]; b.IsDefined() && !b.IsNull()) {
    r.checkKeys(
        b, "booking",
        {"store", "path", "min_lead_minutes", "slot_step_minutes", "max_slots", "max_days_ahead"});
    t.booking.store = r.str(b, "booking", "store", false, "sqlite");
    if (t.booking.store != "sqlite") r.fail("booking.store", b["store"], "must be one of sqlite");
    t.booking.path = r.str(b, "booking", "path", false, "bookings.sqlite");
    if (t.booking.path.empty() || t.booking.path.find("..") != std::string::npos ||
        t.booking.path.front() == '/')
      r.fail("booking.path", b["path"], "must be a relative file name under data_dir");
    t.booking.minLead = std::chrono::minutes(
        r.integer(b, "booking", "min_lead_minutes", false, 60, 0, kMaxLeadMinutes));
    t.booking.slotStep =
        std::chrono::minutes(r.integer(b, "booking", "slot_step_minutes", false, 15, 5, 240));
    t.booking.maxSlots = r.integer(b, "booking", "max_slots", false, 5, 1, 20);
    t.booking.maxDaysAhead = r.integer(b, "booking", "max_days_ahead", false, 90, 1, 366);
  }
  if (auto w = root["webrtc"]; w.IsDefined() && !w.IsNull()) {
    r.checkKeys(w, "webrtc", {"bearer_token"});
    t.webrtcBearerToken = bearerToken(w, r, env);
  }
  auto staffNames = std::make_shared<PhoneticMatcher>(PhoneticMatcher::Mode::AllWords);
  for (const auto& m : t.staff) staffNames->add(m.id, m.name, {m.role});
  t.staffNames = staffNames;
  auto serviceNames = std::make_shared<PhoneticMatcher>(PhoneticMatcher::Mode::AnyWord);
  for (const auto& s : t.services) serviceNames->add(s.id, s.name, {s.id});
  t.serviceNames = serviceNames;
  return t;
}

}  // namespace

Tenant loadTenantText(std::string_view yamlText, const std::string& sourceName,
                      const core::EnvLookup& env) {
  if (yamlText.size() > kMaxTenantFileBytes)
    throw ConfigError("", sourceName, "tenant file larger than 256 KiB");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yamlText));
  } catch (const YAML::Exception& e) {
    throw ConfigError("", sourceName + ":" + std::to_string(e.mark.line + 1),
                      "invalid YAML: " + e.msg);
  }
  Reader r(sourceName);
  try {
    Tenant t = parse(root, r, env, yamlText);
    t.sourceFile = sourceName;
    return t;
  } catch (const YAML::Exception& e) {
    throw ConfigError("", sourceName + ":" + std::to_string(e.mark.line + 1), e.msg);
  }
}

Tenant loadTenantFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError("", file.string(), "cannot open tenant file");
  std::string text(kMaxTenantFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  Tenant t = loadTenantText(text, file.string());
  return t;
}

TenantDirectory TenantDirectory::loadDir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw ConfigError("", dir.string(), "tenant folder does not exist");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  TenantDirectory out;
  for (const auto& f : files) out.add(loadTenantFile(f));
  return out;
}

void TenantDirectory::add(Tenant tenant) {
  if (byId(tenant.id))
    throw ConfigError("id", tenant.sourceFile, "duplicate tenant id '" + tenant.id + "'");
  for (const auto& n : tenant.phoneNumbers)
    if (auto other = byPhoneNumber(n))
      throw ConfigError("phone_numbers", tenant.sourceFile,
                        n + " already routes to tenant '" + other->id + "'");
  tenants_.push_back(std::make_shared<const Tenant>(std::move(tenant)));
}

std::shared_ptr<const Tenant> TenantDirectory::byId(std::string_view id) const {
  for (const auto& t : tenants_)
    if (t->id == id) return t;
  return nullptr;
}

std::shared_ptr<const Tenant> TenantDirectory::byPhoneNumber(std::string_view e164) const {
  for (const auto& t : tenants_)
    for (const auto& n : t->phoneNumbers)
      if (n == e164) return t;
  return nullptr;
}

}  // namespace parley::tools
