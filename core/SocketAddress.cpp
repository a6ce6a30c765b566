#include "core/SocketAddress.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace parley::core {

SocketAddress::SocketAddress(const sockaddr* sa) {
  if (sa == nullptr) return;
  if (sa->sa_family == AF_INET) std::memcpy(&storage_, sa, sizeof(sockaddr_in));
  else if (sa->sa_family == AF_INET6) std::memcpy(&storage_, sa, sizeof(sockaddr_in6));
}

std::optional<SocketAddress> SocketAddress::fromHostPort(const std::string& host, uint16_t port) {
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return a;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return a;
  }
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view s) {
  std::string host;
  std::string_view portText;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return std::nullopt;
    host = std::string(s.substr(1, close - 1));
    portText = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos || s.find(':') != colon) return std::nullopt;
    host = std::string(s.substr(0, colon));
    portText = s.substr(colon + 1);
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (portText.empty() || ec != std::errc() || ptr != portText.data() + portText.size() ||
      port > 65535)
    return std::nullopt;
  return fromHostPort(host, static_cast<uint16_t>(port));
}

socklen_t SocketAddress::length() const {
  return storage_.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

uint16_t SocketAddress::port() const {
  if (storage_.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (storage_.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::host() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (storage_.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  else if (storage_.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof buf);
  return buf;
}

std::string SocketAddress::toString() const {
  if (storage_.ss_family == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
  return host() + ":" + std::to_string(port());
}

bool SocketAddress::operator==(const SocketAddress& o) const {
  if (storage_.ss_family != o.storage_.ss_family) return false;
  return std::memcmp(&storage_, &o.storage_, length()) == 0;
}

}  // namespace parley::core
