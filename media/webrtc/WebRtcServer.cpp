#include "media/webrtc/WebRtcServer.hpp"

#include <cstring>

namespace parley::media {
namespace {
constexpr const char* kDropName = "parley_webrtc_dropped_packets_total";
constexpr const char* kDropHelp =
    "Datagrams dropped on the WebRTC port, by reason (unknown kind, no session, unverified)";
}  // namespace

WebRtcServer::WebRtcServer(uv_loop_t* loop, const core::SocketAddress& local,
                           core::MetricsRegistry& metrics)
    : socket_(loop, [this](std::span<const uint8_t> d,
                           const core::SocketAddress& from) { onDatagram(d, from); }),
      dropUnknown_(metrics.counter(kDropName, kDropHelp, {{"reason", "unknown"}})),
      dropNoSession_(metrics.counter(kDropName, kDropHelp, {{"reason", "no_session"}})),
      dropUnverified_(metrics.counter(kDropName, kDropHelp, {{"reason", "unverified"}})) {
  socket_.bind(local);
}

WebRtcServer::~WebRtcServer() {
  socket_.close();
}

size_t WebRtcServer::TupleHash::operator()(const TupleKey& k) const noexcept {
  // FNV-1a over the key bytes: cheap and good enough for a table keyed by remote addresses.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint8_t b) {
    h ^= b;
    h *= 1099511628211ull;
  };
  for (uint8_t b : k.ip) mix(b);
  mix(static_cast<uint8_t>(k.port >> 8));
  mix(static_cast<uint8_t>(k.port));
  mix(k.family);
  return static_cast<size_t>(h);
}

WebRtcServer::TupleKey WebRtcServer::keyOf(const core::SocketAddress& a) noexcept {
  TupleKey k;
  k.family = static_cast<uint8_t>(a.family());
  k.port = a.port();
  if (a.family() == AF_INET) {
    std::memcpy(k.ip.data(), &reinterpret_cast<const sockaddr_in*>(a.sa())->sin_addr, 4);
  } else if (a.family() == AF_INET6) {
    std::memcpy(k.ip.data(), &reinterpret_cast<const sockaddr_in6*>(a.sa())->sin6_addr, 16);
  }
  return k;
}

void WebRtcServer::add(const std::string& localUfrag, WebRtcEndpoint* endpoint) {
  byUfrag_[localUfrag] = endpoint;
}

void WebRtcServer::remove(WebRtcEndpoint* endpoint) {
  for (auto it = byUfrag_.begin(); it != byUfrag_.end();)
    it = it->second == endpoint ? byUfrag_.erase(it) : std::next(it);
  for (auto it = byTuple_.begin(); it != byTuple_.end();)
    it = it->second == endpoint ? byTuple_.erase(it) : std::next(it);
}

bool WebRtcServer::bindTuple(const core::SocketAddress& from, WebRtcEndpoint* endpoint) {
  const TupleKey k = keyOf(from);
  auto it = byTuple_.find(k);
  if (it != byTuple_.end()) {
    it->second = endpoint;  // the address moved to another session (a new call from it)
    return true;
  }
  if (byTuple_.size() >= kMaxTuples) return false;
  byTuple_.emplace(k, endpoint);
  return true;
}

void WebRtcServer::onDatagram(std::span<const uint8_t> data,
                              const core::SocketAddress& from) noexcept {
  const PacketKind kind = classifyPacket(data);
  if (kind == PacketKind::Stun) {
    auto msg = StunMessage::parse(data);
    if (!msg || !msg->hasUsername()) {
      ++dropped_;
      dropUnknown_.inc();
      return;
    }
    // USERNAME = "<our ufrag>:<their ufrag>" (RFC 8445 §7.2.2).
    const std::string_view user = msg->username();
    const std::string_view local = user.substr(0, user.find(':'));
    auto it = byUfrag_.find(local);
    if (it == byUfrag_.end()) {
      ++dropped_;
      dropNoSession_.inc();
      return;
    }
    it->second->onStunPacket(*msg, from);
    return;
  }
  if (kind == PacketKind::Unknown) {
    ++dropped_;
    dropUnknown_.inc();
    return;
  }
  auto it = byTuple_.find(keyOf(from));
  if (it == byTuple_.end()) {
    ++dropped_;
    dropUnverified_.inc();
    return;
  }
  it->second->onMediaPacket(kind, data, from);
}

}  // namespace parley::media
