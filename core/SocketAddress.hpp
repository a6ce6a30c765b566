#pragma once
// An IPv4/IPv6 socket address (value type) with parsing of "host:port" / "[v6]:port".
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

class SocketAddress {
 public:
  SocketAddress() = default;
  explicit SocketAddress(const sockaddr* sa);
  /// Parses a numeric "1.2.3.4:5060", "[::1]:8080" or "0.0.0.0:0". No DNS (never block a loop).
  /// Returns nullopt on anything else, including ports > 65535.
  static std::optional<SocketAddress> parse(std::string_view hostPort);
  /// Numeric host + port.
  static std::optional<SocketAddress> fromHostPort(const std::string& host, uint16_t port);

  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const;
  int family() const { return storage_.ss_family; }
  uint16_t port() const;
  std::string host() const;
  /// "1.2.3.4:5060" or "[::1]:5060".
  std::string toString() const;
  bool operator==(const SocketAddress& o) const;

 private:
  sockaddr_storage storage_{};
};

}  // namespace parley::core
