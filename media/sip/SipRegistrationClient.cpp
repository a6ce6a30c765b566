#include "media/sip/SipRegistrationClient.hpp"

#include <string>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_wait.h>
#pragma GCC diagnostic pop

namespace parley::media::sip {
namespace {

/// The binding lifetime granted: our Contact's expires parameter, else the Expires header
/// (RFC 3261 §10.2.4: the 200 lists every binding of the AOR; ours is the one we sent).
unsigned grantedExpires(const sip_t* sip, unsigned asked) {
  if (!sip) return asked;
  for (const sip_contact_t* m = sip->sip_contact; m; m = m->m_next)
    if (m->m_expires) return static_cast<unsigned>(std::strtoul(m->m_expires, nullptr, 10));
  if (sip->sip_expires) return static_cast<unsigned>(sip->sip_expires->ex_delta);
  return asked;
}

}  // namespace

SipRegistrationClient::SipRegistrationClient(SipRegistrationConfig config, Report report)
    : config_(std::move(config)), report_(std::move(report)) {}

SipRegistrationClient::~SipRegistrationClient() {
  if (retry_) su_timer_destroy(retry_);
  if (nh_) {
    nua_handle_bind(nh_, nullptr);
    nua_handle_destroy(nh_);
  }
}

bool SipRegistrationClient::start(nua_t* nua, su_root_t* root) {
  nh_ = nua_handle(nua, nullptr, NUTAG_URL(config_.registrar.c_str()),
                   SIPTAG_TO_STR(config_.aor.c_str()), SIPTAG_FROM_STR(config_.aor.c_str()),
                   TAG_END());
  if (!nh_) return false;
  retry_ = su_timer_create(su_root_task(root), 0);
  registerNow();
  return true;
}

void SipRegistrationClient::registerNow() {
  authAttempts_ = 0;
  std::string expires = std::to_string(config_.expiresS);
  // No RFC 5626 outbound extras: trunks' registrars expect a plain REGISTER, and sofia's
  // OPTIONS keepalives / contact validation would be stray requests to them.
  nua_register(nh_, NUTAG_REGISTRAR(config_.registrar.c_str()),
               NUTAG_M_USERNAME(config_.username.c_str()), SIPTAG_EXPIRES_STR(expires.c_str()),
               NUTAG_OUTBOUND("no-options-keepalive"), NUTAG_OUTBOUND("no-validate"),
               NUTAG_KEEPALIVE(0), TAG_END());
}

void SipRegistrationClient::onResponse(bool unregister, int status, const char* phrase,
                                       const sip_t* sip) {
  if (status < 200) return;
  if ((status == 401 || status == 407) && authAttempts_ < 2 && sip) {
    // Digest (RFC 3261 §22.2) with the realm of the challenge; a second challenge in a row
    // means the credentials are wrong: report it instead of looping.
    const msg_auth_t* au = status == 401 ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
    const char* realm = au ? msg_header_find_param(au->au_common, "realm=") : nullptr;
    if (realm) {
      ++authAttempts_;
      std::string r = realm;
      if (r.size() >= 2 && r.front() == '"') r = r.substr(1, r.size() - 2);
      std::string cred = au->au_scheme + std::string(":\"") + r + "\":" + config_.username + ":" +
                         config_.password;
      nua_authenticate(nh_, NUTAG_AUTH(cred.c_str()), TAG_END());
      return;
    }
  }
  SipRegistrationState st{.trunk = config_.trunk, .status = status, .phrase = phrase ? phrase : ""};
  if (status < 300) {
    authAttempts_ = 0;  // a later refresh may be challenged again
    st.registered = !unregister;
    st.expiresS = unregister ? 0 : grantedExpires(sip, config_.expiresS);
  }
  report_(st);
  // A failed REGISTER (or refresh: sofia drops the usage) is retried later, never on shutdown.
  if (status >= 300 && !unregister && !stopping_ && retry_)
    su_timer_set_interval(retry_, &SipRegistrationClient::onRetry, this, kRetryS * 1000);
}

void SipRegistrationClient::stopRetrying() {
  stopping_ = true;
  if (retry_) su_timer_reset(retry_);
}

void SipRegistrationClient::onRetry(void*, su_timer_t*, void* arg) {
  auto* self = static_cast<SipRegistrationClient*>(arg);
  if (!self->stopping_) self->registerNow();
}

}  // namespace parley::media::sip
