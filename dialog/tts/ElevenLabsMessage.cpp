#include "dialog/tts/ElevenLabsMessage.hpp"

#include <nlohmann/json.hpp>

#include "dialog/net/Base64.hpp"

namespace parley::dialog {

namespace {
using nlohmann::json;

const json* firstOf(const json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = j.find(k);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::optional<ElevenLabsAlignment> parseAlignment(const json& a) {
  if (!a.is_object()) return std::nullopt;
  const json* chars = firstOf(a, {"chars", "characters"});
  const json* starts =
      firstOf(a, {"charStartTimesMs", "char_start_times_ms", "character_start_times_ms"});
  const json* durs = firstOf(
      a, {"charDurationsMs", "charsDurationsMs", "chars_durations_ms", "char_durations_ms"});
  if (!chars || !starts || !durs || !chars->is_array() || !starts->is_array() || !durs->is_array())
    return std::nullopt;
  size_t n = chars->size();
  if (starts->size() != n || durs->size() != n) return std::nullopt;
  ElevenLabsAlignment out;
  for (size_t i = 0; i < n; ++i) {
    const json& c = (*chars)[i];
    const json& s = (*starts)[i];
    const json& d = (*durs)[i];
    if (!c.is_string() || !s.is_number() || !d.is_number()) return std::nullopt;
    out.chars.push_back(c.get<std::string>());
    out.startMs.push_back(s.get<double>());
    out.durationMs.push_back(d.get<double>());
  }
  return out;
}
}  // namespace

std::optional<ElevenLabsMessage> ElevenLabsMessage::parse(std::string_view text) {
  if (text.size() > kMaxBytes) return std::nullopt;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  ElevenLabsMessage m;
  if (const json* e = firstOf(j, {"error"})) {
    std::string err = e->is_string() ? e->get<std::string>() : "error";
    if (const json* msg = firstOf(j, {"message"}); msg && msg->is_string())
      err += ": " + msg->get<std::string>();
    m.error = err;
    return m;
  }
  if (const json* a = firstOf(j, {"audio"})) {
    if (!a->is_string()) return std::nullopt;
    auto bytes = base64Decode(a->get_ref<const std::string&>());
    if (!bytes) return std::nullopt;
    m.audio = std::move(*bytes);
  }
  if (const json* f = firstOf(j, {"isFinal", "is_final"}); f && f->is_boolean())
    m.isFinal = f->get<bool>();
  if (const json* na = firstOf(j, {"normalizedAlignment", "normalized_alignment"})) {
    m.alignment = parseAlignment(*na);
  }
  if (!m.alignment) {
    if (const json* al = firstOf(j, {"alignment"})) m.alignment = parseAlignment(*al);
  }
  return m;
}

}  // namespace parley::dialog
