#pragma once
// The worker's `sip:` settings (config/parley.yaml, issue 9) and the SIP URIs made from them
// and from the trunks file: sofia's listen URLs, trunk request URIs, the Refer-To of a transfer.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/Config.hpp"
#include "core/SocketAddress.hpp"
#include "media/sip/SipSdp.hpp"
#include "media/sip/SipTrunks.hpp"
#include "tools/Tenant.hpp"

namespace parley::agent {

struct SipSettings {
  bool enabled = false;
  core::SocketAddress listen;  ///< UDP and TCP
  std::string publicIp;        ///< in SDP c= lines; the listen host when not set
  uint16_t rtpFirst = 10000, rtpLast = 20000;
  std::vector<media::sip::SipCodec> codecs;  ///< in preference order
  std::string trunksFile;
  int mediaTimeoutMs = 30'000;  ///< no RTP this long ends a call
  int maxCalls = 100;
  int retryAfterS = 5;            ///< Retry-After of a 503
  int ringMs = 0;                 ///< 180 Ringing this long before the 200 OK
  unsigned sessionTimerS = 1800;  ///< RFC 4028 Session-Expires we ask for
  std::optional<core::SocketAddress> tlsListen;
  std::string tlsCertificate, tlsKey;  ///< PEM file paths
  std::filesystem::path dataDir;       ///< the worker's data_dir (sofia's TLS files go here)
};

/// Reads sip.* from a config the worker's schema already checked (types and ranges); throws
/// what core::Config's getters throw. dataDir is left empty (it is the worker's, not sip.*).
SipSettings readSipSettings(const core::Config& cfg);

/// Sofia wants a SIP URL: "sip:1.2.3.4:5060" / "sip:[::1]:5060" ("sips:" for TLS).
std::string sipUrl(const core::SocketAddress& a, const char* scheme = "sip");

/// "sip:user@host[:port][;params]" → ("sip", "host[:port][;params]"): the user part dropped.
std::pair<std::string, std::string> splitTrunkUri(const std::string& uri);

/// The Refer-To of a blind transfer to the tenant's transfer_to (RFC 3515): a URI as
/// configured, or the E.164 number at the trunk's outbound host (else at `source`, where the
/// call came from). "" when the tenant has no transfer_to.
std::string transferTarget(const tools::Tenant& tenant, const media::sip::SipTrunk* trunk,
                           const core::SocketAddress& source);

}  // namespace parley::agent
