#include "dialog/stt/DeepgramMessage.hpp"

#include <nlohmann/json.hpp>

namespace parley::dialog {

namespace {
using nlohmann::json;

constexpr size_t kMaxWords = 2000;  // ~10 minutes of speech in one result; bounds memory

double num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}
bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::optional<DeepgramMessage> DeepgramMessage::parse(std::string_view text) {
  if (text.size() > kMaxBytes) return std::nullopt;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  DeepgramMessage m;
  std::string type = str(j, "type");
  if (type == "Results") {
    m.type = Type::Results;
    m.result.isFinal = flag(j, "is_final");
    m.result.speechFinal = flag(j, "speech_final");
    m.result.fromFinalize = flag(j, "from_finalize");
    m.result.startS = num(j, "start");
    m.result.durationS = num(j, "duration");
    auto ch = j.find("channel");
    if (ch == j.end() || !ch->is_object()) return std::nullopt;
    auto alts = ch->find("alternatives");
    if (alts == ch->end() || !alts->is_array()) return std::nullopt;
    if (alts->empty()) return m;
    const json& alt = (*alts)[0];
    if (!alt.is_object()) return std::nullopt;
    m.result.text = str(alt, "transcript");
    m.result.confidence = num(alt, "confidence");
    if (auto words = alt.find("words"); words != alt.end() && words->is_array()) {
      if (words->size() > kMaxWords) return std::nullopt;
      for (const auto& w : *words) {
        if (!w.is_object()) return std::nullopt;
        SttWord word{str(w, "word"), str(w, "punctuated_word"), num(w, "start"), num(w, "end"),
                     num(w, "confidence")};
        if (word.punctuated.empty()) word.punctuated = word.word;
        m.result.words.push_back(std::move(word));
      }
    }
  } else if (type == "UtteranceEnd") {
    m.type = Type::UtteranceEnd;
    m.lastWordEnd = num(j, "last_word_end");
  } else if (type == "SpeechStarted") {
    m.type = Type::SpeechStarted;
    m.timestamp = num(j, "timestamp");
  } else if (type == "Metadata") {
    m.type = Type::Metadata;
    m.requestId = str(j, "request_id");
  } else if (type == "Error") {
    m.type = Type::Error;
    m.errorVariant = str(j, "variant");
    m.errorDescription = str(j, "description");
    if (m.errorDescription.empty()) m.errorDescription = str(j, "message");
  }
  return m;
}

}  // namespace parley::dialog
