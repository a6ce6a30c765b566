#pragma once
// First-byte classification of what arrives on the shared WebRTC port (RFC 7983 §7, order as
// mediasoup's WebRtcTransport::OnPacketReceived): STUN 0–3 (+ magic cookie), DTLS 20–63,
// RTP/RTCP 128–191 told apart by the packet type in the second byte (RFC 5761 §4). Anything else
// (ZRTP 16–19, TURN channels 64–79, garbage) is Unknown and dropped. Header-only, noexcept.
#include <cstdint>
#include <span>

#include "media/rtp/RtcpPacket.hpp"
#include "media/rtp/RtpPacket.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/StunMessage.hpp"

namespace parley::media {

enum class PacketKind : uint8_t { Stun, Dtls, Rtp, Rtcp, Unknown };

inline PacketKind classifyPacket(std::span<const uint8_t> data) noexcept {
  if (StunMessage::isStun(data)) return PacketKind::Stun;
  if (RtcpCompound::isRtcp(data)) return PacketKind::Rtcp;
  if (RtpPacket::isRtp(data)) return PacketKind::Rtp;
  if (DtlsTransport::isDtls(data)) return PacketKind::Dtls;
  return PacketKind::Unknown;
}

inline const char* toString(PacketKind k) noexcept {
  switch (k) {
    case PacketKind::Stun:
      return "stun";
    case PacketKind::Dtls:
      return "dtls";
    case PacketKind::Rtp:
      return "rtp";
    case PacketKind::Rtcp:
      return "rtcp";
    case PacketKind::Unknown:
      break;
  }
  return "unknown";
}

}  // namespace parley::media
