#pragma once
// The SIP trunks Parley talks to (sip.trunks_file): which source addresses may send us calls
// (IP allowlist by CIDR, how Twilio Elastic SIP Trunking and Telnyx IP authentication work) and
// where outbound calls go (termination URI, digest credentials, caller ID). See
// config/sip-trunks.yaml for the format. Loaded once at start (control path): errors are
// core::ConfigError with file:line.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Config.hpp"
#include "core/SocketAddress.hpp"

namespace YAML {
class Node;
}

namespace parley::media::sip {

/// An IPv4 or IPv6 prefix, "203.0.113.0/24", "2001:db8::/32", or a bare address (/32, /128).
class Cidr {
 public:
  static std::optional<Cidr> parse(std::string_view text);
  /// True if `address` is inside the prefix. IPv4-mapped IPv6 sources (::ffff:a.b.c.d, what a
  /// dual-stack socket reports) match IPv4 prefixes.
  bool contains(const core::SocketAddress& address) const;
  const std::string& text() const { return text_; }

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> bytes_{};
  int bits_ = 0;
  std::string text_;
};

/// Credentials a trunk must present on its INVITEs (RFC 3261 §22.1; we answer 401 with a
/// Digest challenge in `realm` and check the retried INVITE, RFC 2617 / RFC 7616 MD5).
struct SipInboundDigest {
  std::string realm = "parley";
  std::string username;
  std::string password;  ///< from password, password_env or password_file (never logged)
};

/// REGISTER for providers that route calls to a registered contact (RFC 3261 §10): sofia sends
/// it, answers the registrar's digest challenge and refreshes it before `expiresS` runs out.
struct SipRegistration {
  std::string registrar;  ///< "sip:sip.telnyx.com" (Request-URI of the REGISTER)
  std::string aor;        ///< To/From, "sip:user@domain"; default sip:<username>@<registrar host>
  std::string username;
  std::string password;
  unsigned expiresS = 3600;  ///< requested binding lifetime (the registrar may shorten it)
};

struct SipTrunk {
  std::string name;
  /// inbound: sources accepted. Empty with no `digest`: this trunk accepts no calls; empty with
  /// `digest`: any source that presents the credentials.
  std::vector<Cidr> allow;
  /// inbound digest credentials; with `allow`, both must pass.
  std::optional<SipInboundDigest> digest;
  std::optional<SipRegistration> registration;
  std::string outboundUri;  ///< "sip:example.pstn.twilio.com" (empty: no outbound calls)
  std::string username;     ///< digest credentials for outbound 401/407 (RFC 3261 §22)
  std::string password;
  std::string callerId;  ///< E.164 number we call from (From user part)
};

class SipTrunks {
 public:
  /// Trunks per file: more is not a real deployment, and the allowlist is scanned per INVITE.
  static constexpr size_t kMaxTrunks = 256;
  static constexpr size_t kMaxCidrsPerTrunk = 256;

  /// Reads a trunks YAML file. Throws core::ConfigError "file:line: key: reason". `env` is
  /// where password_env names are looked up.
  static SipTrunks loadFile(const std::filesystem::path& path,
                            const core::EnvLookup& env = core::processEnv());
  /// Same from text; `sourceName` prefixes error locations.
  static SipTrunks parse(const std::string& yaml, const std::string& sourceName,
                         const core::EnvLookup& env = core::processEnv());

  /// Who may be sending an INVITE from `source`, before anything is allocated for it.
  struct InboundMatch {
    /// The first trunk whose allowlist contains the source and that needs no credentials.
    const SipTrunk* byAddress = nullptr;
    /// Else the trunks whose digest credentials may admit it (allowlist empty or matching).
    std::vector<const SipTrunk*> byDigest;
    bool stranger() const { return !byAddress && byDigest.empty(); }
  };
  InboundMatch matchInbound(const core::SocketAddress& source) const;

  /// The first trunk whose allowlist contains `source`, or null.
  const SipTrunk* matchSource(const core::SocketAddress& source) const;
  const SipTrunk* byName(std::string_view name) const;
  const std::vector<SipTrunk>& all() const { return trunks_; }

 private:
  static SipTrunks parseNodes(const YAML::Node& root, const std::string& source,
                              const core::EnvLookup& env);
  std::vector<SipTrunk> trunks_;
};

}  // namespace parley::media::sip
