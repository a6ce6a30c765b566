#pragma once
// One direction of SRTP/SRTCP (RFC 3711; AEAD-GCM RFC 7714) on libsrtp2, keyed from the DTLS
// export (RFC 5764 §4.2), as mediasoup's SrtpSession: an inbound session accepts any SSRC of the
// peer, an outbound one any of ours. protect()/unprotect() work in place on the caller's buffer,
// which must have kMaxTrailer spare bytes after the packet for protect. Per packet: no heap, no
// exceptions (libsrtp2 does not allocate on protect/unprotect).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

struct srtp_ctx_t_;

namespace parley::media {

/// The DTLS-SRTP protection profiles Parley negotiates (RFC 5764 §4.1.2, RFC 7714 §14.2).
enum class SrtpProfile {
  AeadAes128Gcm,        ///< SRTP_AEAD_AES_128_GCM: key 16, salt 12 (preferred: one pass, AEAD)
  AesCm128HmacSha1_80,  ///< SRTP_AES128_CM_SHA1_80: key 16, salt 14
};

const char* toString(SrtpProfile p) noexcept;
/// Master key and salt lengths in bytes.
size_t srtpKeyLength(SrtpProfile p) noexcept;
size_t srtpSaltLength(SrtpProfile p) noexcept;

class SrtpSession {
 public:
  enum class Direction { Inbound, Outbound };
  /// Bytes protect() may append: SRTP_MAX_TRAILER_LEN (tag 16 + MKI 128) + 4 (SRTCP index).
  static constexpr size_t kMaxTrailer = 148;
  /// Replay window (packets), as mediasoup: survives reordering of a second of audio.
  static constexpr unsigned kReplayWindow = 1024;

  /// `keySalt` is master key ‖ master salt of the sending side. nullptr if libsrtp2 refuses
  /// (wrong key length, init failure). Control path.
  static std::unique_ptr<SrtpSession> create(SrtpProfile profile, Direction direction,
                                             std::span<const uint8_t> keySalt);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  /// RTP → SRTP in place. `len` in: packet bytes; out: protected bytes. `capacity` must be
  /// ≥ len + kMaxTrailer. False on failure (the packet must not be sent).
  bool protectRtp(uint8_t* data, size_t& len, size_t capacity) noexcept;
  /// SRTP → RTP in place; false on authentication failure, replay or garbage.
  bool unprotectRtp(uint8_t* data, size_t& len) noexcept;
  bool protectRtcp(uint8_t* data, size_t& len, size_t capacity) noexcept;
  bool unprotectRtcp(uint8_t* data, size_t& len) noexcept;

  SrtpProfile profile() const noexcept { return profile_; }

 private:
  SrtpSession(SrtpProfile profile) : profile_(profile) {}
  SrtpProfile profile_;
  srtp_ctx_t_* session_ = nullptr;  ///< owned (srtp_t)
};

}  // namespace parley::media
