#include "agent/sip/OutboundCall.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/Error.hpp"
#include "tools/PhoneNumber.hpp"

namespace parley::agent {

using nlohmann::json;

DialRequest DialRequest::parse(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw core::UsageError(
        "the body must be a JSON object like {\"tenant\":\"demo\",\"to\":\"+15551234567\"}");
  DialRequest r;
  auto str = [&](const char* key, bool required) -> std::string {
    if (!j.contains(key)) {
      if (required) throw core::UsageError(std::string("missing \"") + key + "\"");
      return {};
    }
    if (!j[key].is_string())
      throw core::UsageError(std::string("\"") + key + "\" must be a string");
    return j[key].get<std::string>();
  };
  r.tenant = str("tenant", true);
  if (r.tenant.empty()) throw core::UsageError("\"tenant\" is empty");
  std::string to = str("to", true);
  auto e164 = tools::normalizePhone(to);
  if (!e164)
    throw core::UsageError("\"to\" must be a phone number (E.164, e.g. +15551234567), got '" + to +
                           "'");
  r.to = *e164;
  r.trunk = str("trunk", false);
  if (j.contains("context") && !j["context"].is_null()) {
    if (!j["context"].is_object()) throw core::UsageError("\"context\" must be a JSON object");
    r.contextJson = j["context"].dump();
    if (r.contextJson.size() > kMaxContextBytes)
      throw core::UsageError("\"context\" is larger than " + std::to_string(kMaxContextBytes) +
                             " bytes");
    if (r.contextJson == "{}") r.contextJson.clear();
  }
  if (j.contains("ring_timeout_s")) {
    if (!j["ring_timeout_s"].is_number_integer())
      throw core::UsageError("\"ring_timeout_s\" must be an integer");
    auto t = j["ring_timeout_s"].get<int64_t>();
    if (t < 1 || t > kMaxRingTimeoutS)
      throw core::UsageError("\"ring_timeout_s\" must be 1.." + std::to_string(kMaxRingTimeoutS));
    r.ringTimeoutS = static_cast<int>(t);
  }
  return r;
}

std::string DialRequest::toJson() const {
  json j = {{"tenant", tenant}, {"to", to}};
  if (!contextJson.empty()) j["context"] = json::parse(contextJson, nullptr, false);
  if (!trunk.empty()) j["trunk"] = trunk;
  if (ringTimeoutS != kDefaultRingTimeoutS) j["ring_timeout_s"] = ringTimeoutS;
  return j.dump();
}

const char* progressEventForStatus(int status) noexcept {
  switch (status) {
    case 486:
    case 600:
    case 603:
      return "busy";
    case 408:
    case 480:
    case 487:
      return "no_answer";
    default:
      return "failed";
  }
}

void CallProgressBook::start(const std::string& callId, const std::string& tenant,
                             const std::string& to) {
  std::lock_guard lock(mutex_);
  if (calls_.size() >= kMaxCalls && !order_.empty()) {
    calls_.erase(order_.front());
    order_.pop_front();
  }
  Entry e{tenant, to, std::chrono::steady_clock::now(), {{"dialing", 0, "", 0}}};
  calls_[callId] = std::move(e);
  order_.push_back(callId);
}

bool CallProgressBook::add(const std::string& callId, CallProgressEvent event) {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(callId);
  if (it == calls_.end()) return false;
  for (const auto& e : it->second.events)
    if (e.event == event.event) return false;
  event.atS =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.started).count();
  it->second.events.push_back(std::move(event));
  return true;
}

std::optional<std::string> CallProgressBook::json(const std::string& callId) const {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(callId);
  if (it == calls_.end()) return std::nullopt;
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : it->second.events)
    events.push_back({{"event", e.event},
                      {"sip_status", e.sipStatus},
                      {"reason", e.reason},
                      {"at_s", std::round(e.atS * 1000) / 1000}});
  nlohmann::json j = {{"call_id", callId},
                      {"tenant", it->second.tenant},
                      {"to", it->second.to},
                      {"state", it->second.events.back().event},
                      {"events", events}};
  return j.dump();
}

}  // namespace parley::agent
