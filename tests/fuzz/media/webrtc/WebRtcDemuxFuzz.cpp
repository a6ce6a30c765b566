// libFuzzer: the shared WebRTC port's per-datagram path — RFC 7983 classification, then the
// parser or transport each class goes to: STUN parse, RTP/RTCP parse, and a DTLS server fed the
// bytes as records (its handshake state machine on hostile input). Input is split into
// datagrams by a 2-byte length prefix so sequences of records reach the DTLS state machine.
#include <cstdint>
#include <memory>
#include <span>

#include "media/rtp/RtcpPacket.hpp"
#include "media/rtp/RtpPacket.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/PacketClassifier.hpp"
#include "media/webrtc/StunMessage.hpp"

using namespace parley::media;

namespace {
struct Sink : DtlsListener {
  void onDtlsSend(std::span<const uint8_t>) override {}
  void onDtlsConnected(const SrtpKeys&) override { __builtin_trap(); }  // no valid peer cert
  void onDtlsFailed(const char*) override {}
  void onDtlsClosed() override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto cert = DtlsCertificate::generate();
  Sink sink;
  DtlsTransport dtls(cert, DtlsTransport::Role::Server, "00", sink);
  dtls.start();
  size_t pos = 0;
  while (pos + 2 <= size) {
    const size_t len = std::min<size_t>((size_t{data[pos]} << 8 | data[pos + 1]), size - pos - 2);
    const std::span<const uint8_t> d(data + pos + 2, len);
    pos += 2 + len;
    switch (classifyPacket(d)) {
      case PacketKind::Stun:
        (void)StunMessage::parse(d);
        break;
      case PacketKind::Rtcp:
        (void)RtcpCompound::parse(d);
        break;
      case PacketKind::Rtp:
        (void)RtpPacket::parse(d);
        break;
      case PacketKind::Dtls:
        dtls.receive(d);
        break;
      case PacketKind::Unknown:
        break;
    }
  }
  return 0;
}
