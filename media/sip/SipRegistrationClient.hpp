#pragma once
// Keeps Parley registered with a trunk's registrar (RFC 3261 §10.2) for providers that send
// calls to a registered contact: REGISTER through sofia's NUA, the registrar's 401/407 digest
// challenge answered with the trunk credentials (§22.2), refreshed by sofia before the granted
// expiry (nua_register keeps the usage alive), retried every kRetryS after a failure, and
// un-REGISTERed (Expires: 0) by sofia's nua_shutdown(). SIP thread only; included by
// SipUserAgent.cpp.
#include <functional>
#include <string>

struct nua_s;
struct nua_handle_s;
struct sip_s;
struct su_root_s;
struct su_timer_s;

namespace parley::media::sip {

struct SipRegistrationConfig {
  std::string trunk;
  std::string registrar;  ///< Request-URI, "sip:sip.telnyx.com"
  std::string aor;        ///< To and From, "sip:parley@sip.telnyx.com"
  std::string username;   ///< digest user; also the Contact user
  std::string password;
  unsigned expiresS = 3600;
};

/// Registration state after each REGISTER response.
struct SipRegistrationState {
  std::string trunk;
  bool registered = false;
  int status = 0;  ///< last final status (200, 403, 408 …)
  std::string phrase;
  unsigned expiresS = 0;  ///< binding lifetime the registrar granted (0 when not registered)
};

class SipRegistrationClient {
 public:
  /// After a failure (or a registrar that never answers) the next attempt comes this much later.
  static constexpr unsigned kRetryS = 30;

  using Report = std::function<void(const SipRegistrationState&)>;
  SipRegistrationClient(SipRegistrationConfig config, Report report);
  /// Releases the handle (call before nua_destroy; after nua_shutdown has un-REGISTERed).
  ~SipRegistrationClient();
  SipRegistrationClient(const SipRegistrationClient&) = delete;
  SipRegistrationClient& operator=(const SipRegistrationClient&) = delete;

  /// Creates the handle and sends the first REGISTER. False if sofia refuses the URIs.
  bool start(nua_s* nua, su_root_s* root);
  bool owns(const nua_handle_s* nh) const { return nh && nh == nh_; }
  /// nua_r_register / nua_r_unregister on our handle.
  void onResponse(bool unregister, int status, const char* phrase, const sip_s* sip);
  /// Stops retrying (shutdown: sofia un-REGISTERs what is registered).
  void stopRetrying();

 private:
  void registerNow();
  static void onRetry(void* magic, su_timer_s* timer, void* arg);

  SipRegistrationConfig config_;
  Report report_;
  nua_handle_s* nh_ = nullptr;
  su_timer_s* retry_ = nullptr;
  int authAttempts_ = 0;
  bool stopping_ = false;
};

}  // namespace parley::media::sip
