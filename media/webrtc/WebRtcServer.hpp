#pragma once
// The one UDP socket all WebRTC sessions of a media loop share (`webrtc.port`), mediasoup's
// WebRtcServer: a datagram is classified by its first byte (PacketClassifier); a STUN Binding
// request goes to the session whose local ufrag starts its USERNAME; every other packet goes to
// the session that verified its source 5-tuple through ICE. Anything else is dropped and
// counted (parley_webrtc_dropped_packets_total{reason}). Loop thread only; per packet no heap.
#include <uv.h>

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <unordered_map>

#include "core/Metrics.hpp"
#include "core/SocketAddress.hpp"
#include "core/UdpSocket.hpp"
#include "media/webrtc/PacketClassifier.hpp"

namespace parley::media {

/// What a session implements to receive its packets (WebRtcLeg).
class WebRtcEndpoint {
 public:
  virtual ~WebRtcEndpoint() = default;
  /// A STUN message addressed to this endpoint's ufrag, from any source.
  virtual void onStunPacket(const StunMessage& message, const core::SocketAddress& from) = 0;
  /// DTLS, RTP or RTCP from a 5-tuple this endpoint verified.
  virtual void onMediaPacket(PacketKind kind, std::span<const uint8_t> data,
                             const core::SocketAddress& from) = 0;
};

class WebRtcServer {
 public:
  /// Verified 5-tuples across all sessions: 8 per call × many calls; bounds the map.
  static constexpr size_t kMaxTuples = 64 * 1024;

  /// Binds `local` on `loop` (borrowed). Throws core::SystemError if the port is taken.
  WebRtcServer(uv_loop_t* loop, const core::SocketAddress& local,
               core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  ~WebRtcServer();
  WebRtcServer(const WebRtcServer&) = delete;
  WebRtcServer& operator=(const WebRtcServer&) = delete;

  /// Routes STUN for `localUfrag` to `endpoint` (borrowed; remove() before it dies).
  void add(const std::string& localUfrag, WebRtcEndpoint* endpoint);
  /// Forgets the endpoint: its ufrag and every tuple bound to it.
  void remove(WebRtcEndpoint* endpoint);
  /// Routes non-STUN packets from `from` to `endpoint` (after a valid connectivity check).
  /// Returns false when the table is full.
  bool bindTuple(const core::SocketAddress& from, WebRtcEndpoint* endpoint);

  /// Sends one datagram (never blocks; false when the kernel refuses).
  bool send(std::span<const uint8_t> data, const core::SocketAddress& to) noexcept {
    return socket_.send(data, to);
  }
  core::SocketAddress localAddress() const { return socket_.localAddress(); }
  size_t endpointCount() const { return byUfrag_.size(); }
  /// Drops since start: unknown kind, no session for the ufrag, unverified source.
  uint64_t dropped() const noexcept { return dropped_; }
  void close() { socket_.close(); }

 private:
  /// A 5-tuple's remote half (the local half is this socket) as a flat key: no heap to look up.
  struct TupleKey {
    std::array<uint8_t, 16> ip{};
    uint16_t port = 0;
    uint8_t family = 0;
    bool operator==(const TupleKey&) const = default;
  };
  struct TupleHash {
    size_t operator()(const TupleKey& k) const noexcept;
  };
  static TupleKey keyOf(const core::SocketAddress& a) noexcept;
  void onDatagram(std::span<const uint8_t> data, const core::SocketAddress& from) noexcept;

  core::UdpSocket socket_;
  std::map<std::string, WebRtcEndpoint*, std::less<>> byUfrag_;       ///< borrowed endpoints
  std::unordered_map<TupleKey, WebRtcEndpoint*, TupleHash> byTuple_;  ///< borrowed
  uint64_t dropped_ = 0;
  core::Counter& dropUnknown_;
  core::Counter& dropNoSession_;
  core::Counter& dropUnverified_;
};

}  // namespace parley::media
