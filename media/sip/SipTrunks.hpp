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

struct SipTrunk {
  std::string name;
  std::vector<Cidr> allow;  ///< inbound: sources accepted (empty: this trunk accepts none)
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

  /// Reads a trunks YAML file. Throws core::ConfigError "file:line: key: reason".
  static SipTrunks loadFile(const std::filesystem::path& path);
  /// Same from text; `sourceName` prefixes error locations.
  static SipTrunks parse(const std::string& yaml, const std::string& sourceName);

  /// The first trunk whose allowlist contains `source`, or null (a stranger).
  const SipTrunk* matchSource(const core::SocketAddress& source) const;
  const SipTrunk* byName(std::string_view name) const;
  const std::vector<SipTrunk>& all() const { return trunks_; }

 private:
  static SipTrunks parseNodes(const YAML::Node& root, const std::string& source);
  std::vector<SipTrunk> trunks_;
};

}  // namespace parley::media::sip
