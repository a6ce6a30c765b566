#include "media/webrtc/IceLiteServer.hpp"

namespace parley::media {

IceLiteServer::IceLiteServer(std::string localUfrag, std::string localPwd, std::string remoteUfrag)
    : localUfrag_(std::move(localUfrag)),
      localPwd_(std::move(localPwd)),
      remoteUfrag_(std::move(remoteUfrag)) {}

bool IceLiteServer::isVerified(const core::SocketAddress& from) const noexcept {
  for (size_t i = 0; i < pathCount_; ++i)
    if (paths_[i] == from) return true;
  return false;
}

size_t IceLiteServer::errorResponse(const StunMessage& m, uint16_t code, std::string_view reason,
                                    std::span<uint8_t> out, bool sign) const noexcept {
  StunBuilder b(out, StunClass::Error, m.method(), m.transactionId());
  b.addErrorCode(code, reason);
  if (sign) b.addMessageIntegrity(localPwd_);
  b.addFingerprint();
  return b.size();
}

IceLiteServer::Result IceLiteServer::handle(const StunMessage& m, const core::SocketAddress& from,
                                            std::span<uint8_t, kMaxResponse> out,
                                            int64_t nowNs) noexcept {
  Result r;
  if (m.messageClass() != StunClass::Request) return r;  // a lite agent sends no requests
  // RFC 8445 §7.3 / mediasoup IceServer::ProcessStunPacket, same order of checks.
  if (m.method() != StunMessage::kBindingMethod) {
    r.outcome = Outcome::BadRequest;
    r.responseSize = errorResponse(m, 400, "Bad Request", out, false);
    return r;
  }
  if (!m.hasFingerprint() || !m.checkFingerprint()) return r;  // not (intact) STUN: silent
  if (!m.hasUsername() || !m.hasMessageIntegrity() || !m.priority() || *m.priority() == 0) {
    r.outcome = Outcome::BadRequest;
    r.responseSize = errorResponse(m, 400, "Bad Request", out, false);
    return r;
  }
  const std::string_view user = m.username();
  const bool userOk = user.size() == localUfrag_.size() + 1 + remoteUfrag_.size() &&
                      user.substr(0, localUfrag_.size()) == localUfrag_ &&
                      user[localUfrag_.size()] == ':' &&
                      user.substr(localUfrag_.size() + 1) == remoteUfrag_;
  if (!userOk || !m.checkIntegrity(localPwd_)) {
    r.outcome = Outcome::Unauthorized;
    r.responseSize = errorResponse(m, 401, "Unauthorized", out, false);
    return r;
  }
  if (m.iceControlled()) {  // RFC 8445 §7.3.1.1: both controlled; a lite agent cannot switch
    r.outcome = Outcome::RoleConflict;
    r.responseSize = errorResponse(m, 487, "Role Conflict", out, true);
    return r;
  }

  StunBuilder b(out, StunClass::Success, m.method(), m.transactionId());
  b.addXorMappedAddress(from);
  b.addMessageIntegrity(localPwd_);
  b.addFingerprint();
  r.responseSize = b.size();
  if (r.responseSize == 0) return r;
  r.outcome = Outcome::Accepted;
  lastConsentNs_ = nowNs;

  if (!isVerified(from)) {
    if (pathCount_ < kMaxPaths) {
      paths_[pathCount_++] = from;
    } else {  // replace round-robin, never the selected one
      if (selected_ && paths_[nextEvict_] == *selected_) nextEvict_ = (nextEvict_ + 1) % kMaxPaths;
      paths_[nextEvict_] = from;
      nextEvict_ = (nextEvict_ + 1) % kMaxPaths;
    }
  }
  bool nominate = m.useCandidate();
  if (auto n = m.nomination(); n && *n > lastNomination_) {
    lastNomination_ = *n;
    nominate = true;
  }
  if (!selected_ || (nominate && !(*selected_ == from))) {
    selected_ = from;
    r.selectedChanged = true;
  }
  return r;
}

}  // namespace parley::media
