#include "tests/dialog/DeepgramTestServer.hpp"

#include <nlohmann/json.hpp>

namespace parley::dialog::test {

using nlohmann::json;

namespace {
constexpr size_t kRate = 16000;
constexpr size_t kBlock = kRate / 10;  // 100 ms per synthetic word
}  // namespace

std::vector<int16_t> DeepgramTestServer::speech(int first, int words) {
  std::vector<int16_t> out;
  for (int k = first; k < first + words; ++k)
    out.insert(out.end(), kBlock, static_cast<int16_t>(100 * (k + 1)));
  return out;
}

int DeepgramTestServer::connections() const {
  std::lock_guard l(mutex_);
  return static_cast<int>(conns_.size());
}
int DeepgramTestServer::keepAlives() const {
  std::lock_guard l(mutex_);
  return keepAlives_;
}
std::vector<WsTestRequest> DeepgramTestServer::requests() const {
  std::lock_guard l(mutex_);
  return requests_;
}
std::vector<size_t> DeepgramTestServer::frameSizes() const {
  std::lock_guard l(mutex_);
  return frameSizes_;
}

std::optional<WsReject> DeepgramTestServer::onUpgrade(const WsTestRequest& r) {
  std::lock_guard l(mutex_);
  requests_.push_back(r);
  if (r.authorization != std::string("Token ") + kKey) {
    return WsReject{401,
                    {{"dg-error", "Invalid credentials."}, {"dg-request-id", "req-401"}},
                    R"({"err_code":"INVALID_AUTH","err_msg":"Invalid credentials."})"};
  }
  if (r.arg("encoding") != "linear16" || r.arg("sample_rate").empty())
    return WsReject{400, {{"dg-error", "Bad encoding"}}, "{}"};
  if (refuseNextWith) {
    int status = std::exchange(refuseNextWith, 0);
    return WsReject{status, {{"dg-error", "Too many requests"}}, "{}"};
  }
  return std::nullopt;
}

DeepgramTestServer::ConnState* DeepgramTestServer::state(WsTestConn& c) {
  for (auto& s : conns_)
    if (s.conn == &c) return &s;
  return nullptr;
}

void DeepgramTestServer::onOpen(WsTestConn& c) {
  std::lock_guard l(mutex_);
  ConnState s;
  s.conn = &c;
  s.index = static_cast<int>(conns_.size());
  conns_.push_back(std::move(s));
}

void DeepgramTestServer::sendResult(ConnState& s, size_t from, size_t to, bool isFinal,
                                    bool speechFinal, bool fromFinalize) {
  json words = json::array();
  std::string transcript;
  for (size_t b = from / kBlock; (b + 1) * kBlock <= to || (b * kBlock < to && fromFinalize); ++b) {
    int16_t v = s.audio[b * kBlock];
    if (v <= 0 || v % 100 != 0) continue;
    std::string w = "w" + std::to_string(v / 100 - 1);
    transcript += (transcript.empty() ? "" : " ") + w;
    words.push_back({{"word", w},
                     {"start", static_cast<double>(b * kBlock) / kRate},
                     {"end", static_cast<double>((b + 1) * kBlock) / kRate},
                     {"confidence", 0.99},
                     {"punctuated_word", w}});
  }
  json msg{
      {"type", "Results"},
      {"channel_index", {0, 1}},
      {"duration", static_cast<double>(to - from) / kRate},
      {"start", static_cast<double>(from) / kRate},
      {"is_final", isFinal},
      {"speech_final", speechFinal},
      {"channel",
       {{"alternatives",
         json::array({{{"transcript", transcript}, {"confidence", 0.98}, {"words", words}}})}}},
      {"metadata",
       {{"request_id", "req-1"},
        {"model_uuid", "uuid"},
        {"model_info", {{"name", "general-nova-3"}, {"version", "test"}, {"arch", "nova-3"}}}}}};
  if (fromFinalize) msg["from_finalize"] = true;
  s.conn->sendText(msg.dump());
}

void DeepgramTestServer::onText(WsTestConn& c, std::string_view text) {
  std::lock_guard l(mutex_);
  ConnState* s = state(c);
  if (!s) return;
  json j = json::parse(text, nullptr, false);
  std::string type = j.is_object() && j.contains("type") && j["type"].is_string()
                         ? j["type"].get<std::string>()
                         : "";
  if (type == "KeepAlive") {
    ++keepAlives_;
  } else if (type == "Finalize" || type == "CloseStream") {
    if (s->audio.size() > s->finalizedSamples) {
      sendResult(*s, s->finalizedSamples, s->audio.size(), true, true, type == "Finalize");
      s->finalizedSamples = s->audio.size();
    }
    double end = static_cast<double>(s->audio.size()) / kRate;
    if (type == "Finalize")
      c.sendText(
          json{{"type", "UtteranceEnd"}, {"channel", {0, 1}}, {"last_word_end", end}}.dump());
    if (type == "CloseStream") {
      c.sendText(json{
          {"type", "Metadata"},
          {"transaction_key", "deprecated"},
          {"request_id", "req-1"},
          {"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
          {"created", "2024-08-29T22:37:55.202Z"},
          {"duration", static_cast<double>(s->audio.size()) / kRate},
          {"channels",
           1}}.dump());
      c.close(1000, "");
    }
  } else {
    c.sendText(json{{"type", "Error"},
                    {"variant", "SchemaError"},
                    {"description", "unknown message"},
                    {"message", std::string(text)}}
                   .dump());
  }
}

void DeepgramTestServer::onBinary(WsTestConn& c, std::span<const uint8_t> bytes) {
  std::lock_guard l(mutex_);
  ConnState* s = state(c);
  if (!s || s->failed) return;
  frameSizes_.push_back(bytes.size());
  for (size_t i = 0; i + 1 < bytes.size(); i += 2)
    s->audio.push_back(static_cast<int16_t>(bytes[i] | (bytes[i + 1] << 8)));
  size_t ms = s->audio.size() * 1000 / kRate;
  if (s->index == 0 && sendGarbage) {
    sendGarbage = false;
    c.sendText("{\"type\":\"Results\",\"channel\":");
  }
  if (!s->speechStarted) {
    s->speechStarted = true;
    c.sendText(json{{"type", "SpeechStarted"}, {"channel", {0, 1}}, {"timestamp", 0.05}}.dump());
  }
  if (s->index == 0 && dropAfterMs && ms >= static_cast<size_t>(dropAfterMs)) {
    s->failed = true;
    c.drop();
    return;
  }
  if (s->index == 0 && closeCodeAfterMs && ms >= static_cast<size_t>(closeCodeAfterMs)) {
    s->failed = true;
    c.close(closeCode, closeReason);
    return;
  }
  while (s->audio.size() >= s->finalizedSamples + kRate / 2) {  // a final every 500 ms
    sendResult(*s, s->finalizedSamples, s->finalizedSamples + kRate / 2, true, false, false);
    s->finalizedSamples += kRate / 2;
  }
  if (s->audio.size() >= s->finalizedSamples + kRate / 4 &&
      s->interimSentAt < s->finalizedSamples + kRate / 4) {
    s->interimSentAt = s->finalizedSamples + kRate / 4;
    sendResult(*s, s->finalizedSamples, s->finalizedSamples + kRate / 4, false, false, false);
  }
}

}  // namespace parley::dialog::test
