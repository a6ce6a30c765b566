#pragma once
// Server side of SIP digest authentication (RFC 3261 §22.4, RFC 2617 §3.2; MD5 as in RFC 7616
// §3.4.1 and RFC 8760's MD5 compatibility): challenges an INVITE with 401 + WWW-Authenticate and
// checks the Authorization of the retried request. Built on sofia-sip's auth_module (iptsec):
// its nonces are an HMAC-MD5 of the issue time under a key made per process, so they verify
// and expire (nonceLifetimeS) without any state per client; qop=auth, and requests without
// qop (RFC 2069 style) are checked as RFC 2617 allows. Only HA1 = MD5(user:realm:password) is
// kept, not the password.
//
// Not thread-safe: use it on the SIP thread (sofia's auth module is single-threaded).
#include <cstddef>
#include <string>

struct msg_auth_s;  // sofia's parsed Authorization header (sip_authorization_t)
struct auth_mod_t;

namespace parley::media::sip {

class SipDigestServer {
 public:
  /// Nonces older than this get a fresh challenge (stale=true). A trunk retries at once, so
  /// minutes are plenty and bound how long a captured Authorization can be replayed.
  static constexpr unsigned kDefaultNonceLifetimeS = 300;

  /// One account in `realm`. Throws core::Error if sofia cannot create the module (memory).
  SipDigestServer(const std::string& realm, const std::string& username,
                  const std::string& password, unsigned nonceLifetimeS = kDefaultNonceLifetimeS);
  ~SipDigestServer();
  SipDigestServer(const SipDigestServer&) = delete;
  SipDigestServer& operator=(const SipDigestServer&) = delete;

  enum class Outcome {
    Accepted,    ///< valid credentials for our account
    Challenge,   ///< answer `status` 401 with `challenge` (none for our realm, bad or stale nonce)
    Forbidden,   ///< credentials for our realm that do not match: 403
    BadRequest,  ///< Authorization lacking username/nonce/uri/response or odd qop: 400
  };
  struct Verdict {
    Outcome outcome = Outcome::Challenge;
    int status = 401;
    std::string phrase;
    /// WWW-Authenticate value for a 401: `Digest realm="…", nonce="…", algorithm=MD5,
    /// qop="auth"` (stale=true when the nonce had expired).
    std::string challenge;
    /// The request carried Digest credentials for our realm (else it was not meant for us).
    bool forOurRealm = false;
  };

  /// Checks the Authorization headers of a request (`credentials`: sofia's parsed list, may be
  /// null) for `method` ("INVITE"), `body` protects auth-int. Never throws.
  Verdict check(const msg_auth_s* credentials, const char* method, const void* body,
                size_t bodyLen);
  /// A fresh 401 challenge value.
  std::string challenge();
  const std::string& realm() const { return realm_; }

 private:
  std::string realm_;
  auth_mod_t* am_ = nullptr;
};

}  // namespace parley::media::sip
