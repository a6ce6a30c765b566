#include "tests/agent/bench/BenchPeers.hpp"

#include <nlohmann/json.hpp>

namespace parley::bench {

using dialog::test::WsTestConn;
using nlohmann::json;

namespace {
constexpr double kRate = 16000;             ///< the session's STT stream: linear16 at 16 kHz
constexpr size_t kChunkSamples = 3200;      ///< 200 ms per ElevenLabs audio message
constexpr uint64_t kInterimSamples = 4000;  ///< 250 ms of speech between interim results

/// The transcript's words, in order.
const std::vector<std::string>& transcriptWords() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> w;
    std::string t = InstantDeepgram::kTranscript;
    for (size_t p = 0; p < t.size();) {
      size_t q = t.find(' ', p);
      if (q == std::string::npos) q = t.size();
      w.push_back(t.substr(p, q - p));
      p = q + 1;
    }
    return w;
  }();
  return words;
}
}  // namespace

std::string base64Encode(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (i + 1 < size) v |= uint32_t{data[i + 1]} << 8;
    if (i + 2 < size) v |= data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < size ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < size ? kAlphabet[v & 63] : '=');
  }
  return out;
}

// ---- STT -----------------------------------------------------------------------------------

uint64_t InstantDeepgram::finals() const {
  std::lock_guard l(mutex_);
  return finals_;
}

void InstantDeepgram::onOpen(WsTestConn& c) {
  std::lock_guard l(mutex_);
  conns_[&c] = Conn{};
}

void InstantDeepgram::onBinary(WsTestConn& c, std::span<const uint8_t> bytes) {
  std::lock_guard l(mutex_);
  auto it = conns_.find(&c);
  if (it == conns_.end()) return;
  Conn& s = it->second;
  s.samples += bytes.size() / 2;
  bool speech = false;
  for (size_t i = 0; i + 1 < bytes.size() && !speech; i += 2) {
    auto v = static_cast<int16_t>(bytes[i] | (bytes[i + 1] << 8));
    speech = v > 500 || v < -500;
  }
  if (!speech) return;
  s.voiced += bytes.size() / 2;
  if (s.voiced - s.interimAt >= kInterimSamples) {
    s.interimAt = s.voiced;
    const size_t words =
        std::min(transcriptWords().size(), static_cast<size_t>(s.voiced / kInterimSamples));
    sendResult(c, s, words, false);
  }
}

void InstantDeepgram::sendResult(WsTestConn& c, const Conn& s, size_t count, bool isFinal) {
  // Words spread evenly over the audio since the last final (deepgram-live.md §3).
  const double from = static_cast<double>(s.finalized) / kRate;
  const double to = static_cast<double>(s.samples) / kRate;
  const auto& all = transcriptWords();
  json words = json::array();
  std::string transcript;
  const double step = (to - from) / static_cast<double>(all.size());
  for (size_t i = 0; i < count; ++i) {
    words.push_back({{"word", all[i]},
                     {"start", from + step * static_cast<double>(i)},
                     {"end", from + step * static_cast<double>(i + 1)},
                     {"confidence", 0.99},
                     {"punctuated_word", all[i]}});
    transcript += (i ? " " : "") + all[i];
  }
  json msg{
      {"type", "Results"},
      {"channel_index", {0, 1}},
      {"duration", to - from},
      {"start", from},
      {"is_final", isFinal},
      {"speech_final", isFinal},
      {"channel",
       {{"alternatives",
         json::array({{{"transcript", transcript}, {"confidence", 0.98}, {"words", words}}})}}},
      {"metadata",
       {{"request_id", "bench"},
        {"model_uuid", "bench"},
        {"model_info", {{"name", "general-nova-3"}, {"version", "bench"}, {"arch", "nova-3"}}}}}};
  if (isFinal) msg["from_finalize"] = true;
  c.sendText(msg.dump());
}

void InstantDeepgram::onClosed(WsTestConn& c) {
  std::lock_guard l(mutex_);
  conns_.erase(&c);
}

void InstantDeepgram::onText(WsTestConn& c, std::string_view text) {
  std::lock_guard l(mutex_);
  auto it = conns_.find(&c);
  if (it == conns_.end()) return;
  Conn& s = it->second;
  json j = json::parse(text, nullptr, false);
  std::string type = j.is_object() ? j.value("type", "") : "";
  if (type == "KeepAlive") return;
  if (type == "Finalize") {
    sendResult(c, s, transcriptWords().size(), true);
    c.sendText(json{{"type", "UtteranceEnd"},
                    {"channel", {0, 1}},
                    {"last_word_end", static_cast<double>(s.samples) / kRate}}
                   .dump());
    s.finalized = s.samples;
    s.voiced = s.interimAt = 0;
    ++finals_;
    return;
  }
  if (type == "CloseStream") {
    c.sendText(json{
        {"type", "Metadata"},
        {"transaction_key", "deprecated"},
        {"request_id", "bench"},
        {"sha256", ""},
        {"created", "2026-01-01T00:00:00.000Z"},
        {"duration", static_cast<double>(s.samples) / kRate},
        {"channels",
         1}}.dump());
    c.close(1000, "");
    return;
  }
  c.sendText(json{{"type", "Error"},
                  {"variant", "SchemaError"},
                  {"description", "unknown message"},
                  {"message", std::string(text)}}
                 .dump());
}

// ---- TTS -----------------------------------------------------------------------------------

PrecomputedElevenLabs::PrecomputedElevenLabs(const std::vector<int16_t>& pcm16k) : server_(*this) {
  for (size_t at = 0; at < pcm16k.size(); at += kChunkSamples) {
    size_t n = std::min(kChunkSamples, pcm16k.size() - at);
    std::vector<uint8_t> bytes(n * 2);
    for (size_t i = 0; i < n; ++i) {
      auto v = static_cast<uint16_t>(pcm16k[at + i]);
      bytes[2 * i] = static_cast<uint8_t>(v & 0xFF);
      bytes[2 * i + 1] = static_cast<uint8_t>(v >> 8);
    }
    audioMessages_.push_back(json{
        {"audio", base64Encode(bytes.data(), bytes.size())},
        {"isFinal", false},
        {"normalizedAlignment", nullptr},
        {"alignment", nullptr}}.dump());
  }
}

uint64_t PrecomputedElevenLabs::replies() const {
  std::lock_guard l(mutex_);
  return replies_;
}

void PrecomputedElevenLabs::onClosed(WsTestConn& c) {
  std::lock_guard l(mutex_);
  spoke_.erase(&c);
}

void PrecomputedElevenLabs::onText(WsTestConn& c, std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) return;
  const std::string t = j["text"].get<std::string>();
  if (t.empty()) {  // end of input: flush, isFinal, close (elevenlabs-ws.md)
    c.sendText(R"({"isFinal":true})");
    c.close(1000, "");
    return;
  }
  if (t == " ") return;  // the initial message and keep-alives
  std::lock_guard l(mutex_);
  bool& spoke = spoke_[&c];
  if (spoke) return;  // one precomputed reply per socket (the session opens one per reply)
  spoke = true;
  ++replies_;
  for (const auto& m : audioMessages_) c.sendText(m);
}

}  // namespace parley::bench
