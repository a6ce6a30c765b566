#include "dialog/conversation/EchoGuard.hpp"

#include "dialog/conversation/Backchannels.hpp"

namespace parley::dialog {

EchoGuard::EchoGuard(bool enabled, double vadSnrDb, double guardDb)
    : enabled_(enabled), thresholdDb_(vadSnrDb + guardDb) {}

bool EchoGuard::accept(bool vadSpeech, double snrDb, bool agentAudible) {
  if (!enabled_ || !agentAudible) {
    hangover_ = 0;
    return vadSpeech;
  }
  if (!vadSpeech) {
    hangover_ = 0;
    return false;
  }
  if (snrDb >= thresholdDb_) {
    hangover_ = kHangoverFrames;
    return true;
  }
  if (hangover_ > 0) {
    --hangover_;
    return true;
  }
  return false;
}

bool EchoGuard::isEcho(std::string_view transcript, std::string_view agentText) const {
  if (!enabled_ || agentText.empty()) return false;
  auto heard = Backchannels::words(transcript);
  if (heard.empty()) return false;
  auto said = Backchannels::words(agentText);
  std::unordered_set<std::string> saidSet(said.begin(), said.end());
  size_t inReply = 0;
  for (const auto& w : heard)
    if (saidSet.count(w)) ++inReply;
  return static_cast<double>(inReply) >= kEchoWordShare * static_cast<double>(heard.size());
}

}  // namespace parley::dialog
