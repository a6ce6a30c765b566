#pragma once
// The ICE-lite side of one WebRTC session (RFC 8445 §2.5, §7.3; mediasoup's IceServer): answers
// the browser's connectivity checks, never sends its own. A Binding request is accepted only with
// a USERNAME "<local ufrag>:<remote ufrag>", a valid MESSAGE-INTEGRITY keyed with the local
// password, a FINGERPRINT and a PRIORITY; its source 5-tuple then becomes a verified path. The
// first verified path is used for media at once; a request with USE-CANDIDATE (or NOMINATION)
// selects its path. Consent freshness (RFC 7675): the owner ends the call when no valid request
// arrived for kConsentTimeoutMs. Per packet: no heap, no exceptions.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/SocketAddress.hpp"
#include "media/webrtc/StunMessage.hpp"

namespace parley::media {

class IceLiteServer {
 public:
  /// RFC 7675 §5.1: consent expires 30 s after the last successful check.
  static constexpr int64_t kConsentTimeoutMs = 30'000;
  /// Verified paths remembered per session: a browser checks one pair per local interface and
  /// address family; 8 is more than any real host has, and bounds memory per call.
  static constexpr size_t kMaxPaths = 8;
  /// Buffer a response needs: header + XOR-MAPPED-ADDRESS(v6) + MI + FINGERPRINT, with room.
  static constexpr size_t kMaxResponse = 128;

  enum class Outcome {
    Accepted,      ///< valid check: success response written, path verified
    BadRequest,    ///< 400 written (missing attribute, not a Binding request)
    Unauthorized,  ///< 401 written (wrong username or integrity)
    RoleConflict,  ///< 487 written (the peer claims ICE-CONTROLLED; a lite agent is controlled)
    Ignored,       ///< not a request (responses/indications are dropped), or bad FINGERPRINT
  };

  struct Result {
    Outcome outcome = Outcome::Ignored;
    size_t responseSize = 0;       ///< bytes written to `out` (send them back to `from`)
    bool selectedChanged = false;  ///< the media path changed to `from`
  };

  /// `localUfrag`/`localPwd` are what the answer advertised; `remoteUfrag` what the offer did.
  IceLiteServer(std::string localUfrag, std::string localPwd, std::string remoteUfrag);

  /// Handles one STUN message from `from` at monotonic `nowNs`.
  Result handle(const StunMessage& message, const core::SocketAddress& from,
                std::span<uint8_t, kMaxResponse> out, int64_t nowNs) noexcept;

  /// True once some path is selected (checks succeeded).
  bool connected() const noexcept { return selected_.has_value(); }
  const std::optional<core::SocketAddress>& selected() const noexcept { return selected_; }
  /// True if `from` passed a connectivity check (media from anywhere else is dropped).
  bool isVerified(const core::SocketAddress& from) const noexcept;
  /// Monotonic time of the last valid check (0: none yet).
  int64_t lastConsentNs() const noexcept { return lastConsentNs_; }

  const std::string& localUfrag() const noexcept { return localUfrag_; }
  const std::string& localPwd() const noexcept { return localPwd_; }

 private:
  size_t errorResponse(const StunMessage& m, uint16_t code, std::string_view reason,
                       std::span<uint8_t> out, bool sign) const noexcept;

  std::string localUfrag_;
  std::string localPwd_;
  std::string remoteUfrag_;
  std::array<core::SocketAddress, kMaxPaths> paths_{};
  size_t pathCount_ = 0;
  size_t nextEvict_ = 0;
  std::optional<core::SocketAddress> selected_;
  uint32_t lastNomination_ = 0;
  int64_t lastConsentNs_ = 0;
};

}  // namespace parley::media
