#include "media/webrtc/SrtpSession.hpp"

#include <srtp2/srtp.h>

#include <climits>
#include <mutex>

namespace parley::media {
static_assert(SrtpSession::kMaxTrailer >= SRTP_MAX_TRAILER_LEN + 4);
namespace {

// srtp_init() registers the crypto kernel once per process; it is not thread-safe itself.
bool initLibrary() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = srtp_init() == srtp_err_status_ok; });
  return ok;
}

}  // namespace

const char* toString(SrtpProfile p) noexcept {
  return p == SrtpProfile::AeadAes128Gcm ? "SRTP_AEAD_AES_128_GCM" : "SRTP_AES128_CM_SHA1_80";
}
size_t srtpKeyLength(SrtpProfile) noexcept {
  return 16;
}
size_t srtpSaltLength(SrtpProfile p) noexcept {
  return p == SrtpProfile::AeadAes128Gcm ? 12 : 14;
}

std::unique_ptr<SrtpSession> SrtpSession::create(SrtpProfile profile, Direction direction,
                                                 std::span<const uint8_t> keySalt) {
  if (!initLibrary()) return nullptr;
  if (keySalt.size() != srtpKeyLength(profile) + srtpSaltLength(profile)) return nullptr;
  srtp_policy_t policy{};
  if (profile == SrtpProfile::AeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  policy.ssrc.type = direction == Direction::Inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.ssrc.value = 0;
  // libsrtp2 copies the key during srtp_create; the cast only satisfies its non-const API.
  policy.key = const_cast<unsigned char*>(keySalt.data());
  policy.window_size = kReplayWindow;
  policy.allow_repeat_tx = 1;  // a retransmitted RTCP BYE must not fail
  policy.next = nullptr;
  std::unique_ptr<SrtpSession> s(new SrtpSession(profile));
  srtp_t session = nullptr;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) return nullptr;
  s->session_ = session;
  return s;
}

SrtpSession::~SrtpSession() {
  if (session_ != nullptr) srtp_dealloc(session_);
}

bool SrtpSession::protectRtp(uint8_t* data, size_t& len, size_t capacity) noexcept {
  if (len + kMaxTrailer > capacity || len > INT_MAX / 2) return false;
  int n = static_cast<int>(len);
  if (srtp_protect(session_, data, &n) != srtp_err_status_ok) return false;
  len = static_cast<size_t>(n);
  return true;
}

bool SrtpSession::unprotectRtp(uint8_t* data, size_t& len) noexcept {
  if (len > INT_MAX / 2) return false;
  int n = static_cast<int>(len);
  if (srtp_unprotect(session_, data, &n) != srtp_err_status_ok) return false;
  len = static_cast<size_t>(n);
  return true;
}

bool SrtpSession::protectRtcp(uint8_t* data, size_t& len, size_t capacity) noexcept {
  if (len + kMaxTrailer > capacity || len > INT_MAX / 2) return false;
  int n = static_cast<int>(len);
  if (srtp_protect_rtcp(session_, data, &n) != srtp_err_status_ok) return false;
  len = static_cast<size_t>(n);
  return true;
}

bool SrtpSession::unprotectRtcp(uint8_t* data, size_t& len) noexcept {
  if (len > INT_MAX / 2) return false;
  int n = static_cast<int>(len);
  if (srtp_unprotect_rtcp(session_, data, &n) != srtp_err_status_ok) return false;
  len = static_cast<size_t>(n);
  return true;
}

}  // namespace parley::media
