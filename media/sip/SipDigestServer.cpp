#include "media/sip/SipDigestServer.hpp"

#include <cstring>
#include <random>

#include "core/Error.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#include <sofia-sip/auth_digest.h>
#include <sofia-sip/auth_module.h>
#include <sofia-sip/auth_plugin.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#pragma GCC diagnostic pop

namespace parley::media::sip {
namespace {

/// 128 random bits for the nonce HMAC key (sofia hashes it to its 16-byte master key). Made
/// per process: nonces do not outlive a restart, which only costs a trunk one more 401.
std::string randomKey() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 4; ++i) {
    uint32_t v = rd();
    for (int j = 0; j < 8; ++j, v >>= 4) s.push_back(kHex[v & 15]);
  }
  return s;
}

/// Owns one auth_status_t (sofia's per-check scratch: result, challenge header).
struct Status {
  auth_status_t* as = auth_status_new(nullptr);
  ~Status() {
    if (as) auth_status_unref(as);
  }
  Status() = default;
  Status(const Status&) = delete;
  Status& operator=(const Status&) = delete;
};

std::string challengeOf(auth_status_t* as) {
  if (!as->as_response) return {};
  char* s = sip_header_as_string(as->as_home, reinterpret_cast<sip_header_t*>(as->as_response));
  return s ? s : "";
}

auth_challenger_t const kChallenger = {401, "Unauthorized", sip_www_authenticate_class,
                                       sip_authentication_info_class};

}  // namespace

SipDigestServer::SipDigestServer(const std::string& realm, const std::string& username,
                                 const std::string& password, unsigned nonceLifetimeS)
    : realm_(realm) {
  std::string key = randomKey();
  // auth_mod ignores the root for Digest (it is for asynchronous plug-ins).
  am_ = auth_mod_create(nullptr, AUTHTAG_METHOD("Digest"), AUTHTAG_REALM(realm.c_str()),
                        AUTHTAG_QOP("auth"), AUTHTAG_ALGORITHM("MD5"),
                        AUTHTAG_EXPIRES(nonceLifetimeS), AUTHTAG_NEXT_EXPIRES(0),
                        AUTHTAG_FORBIDDEN(1), AUTHTAG_ALLOW("ACK, BYE, CANCEL"),
                        AUTHTAG_MASTER_KEY(key.c_str()), TAG_END());
  if (!am_) throw core::Error("SIP digest: cannot create sofia's auth module");
  auth_hexmd5_t ha1;
  auth_digest_ha1(ha1, username.c_str(), realm.c_str(), password.c_str());
  auth_passwd_t* apw = auth_mod_addpass(am_, username.c_str(), realm.c_str());
  if (!apw) {
    auth_mod_destroy(am_);
    throw core::Error("SIP digest: cannot add the account to sofia's auth module");
  }
  apw->apw_hash = su_strdup(am_->am_home, ha1);
  std::memset(ha1, 0, sizeof ha1);
}

SipDigestServer::~SipDigestServer() {
  if (am_) auth_mod_destroy(am_);
}

SipDigestServer::Verdict SipDigestServer::check(const msg_auth_s* credentials, const char* method,
                                                const void* body, size_t bodyLen) {
  Verdict v;
  Status st;
  if (!st.as) {
    v.outcome = Outcome::Forbidden;
    v.status = 500;
    v.phrase = "Server Internal Error";
    return v;
  }
  auto* au = const_cast<msg_auth_t*>(credentials);
  v.forOurRealm = auth_digest_credentials(au, realm_.c_str(), nullptr) != nullptr;
  st.as->as_method = method;
  st.as->as_body = body;
  st.as->as_bodylen = static_cast<isize_t>(bodyLen);
  auth_mod_verify(am_, st.as, au, &kChallenger);
  v.status = st.as->as_status;
  v.phrase = st.as->as_phrase ? st.as->as_phrase : "";
  switch (st.as->as_status) {
    case 0:
      v.outcome = Outcome::Accepted;
      v.status = 200;
      break;
    case 401:
      v.outcome = Outcome::Challenge;
      v.challenge = challengeOf(st.as);
      break;
    case 400:
      v.outcome = Outcome::BadRequest;
      break;
    default:
      v.outcome = Outcome::Forbidden;
      break;
  }
  return v;
}

std::string SipDigestServer::challenge() {
  Status st;
  if (!st.as) return {};
  st.as->as_realm = realm_.c_str();
  auth_mod_challenge(am_, st.as, &kChallenger);
  return challengeOf(st.as);
}

}  // namespace parley::media::sip
