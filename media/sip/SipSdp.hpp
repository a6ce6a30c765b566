#pragma once
// SDP offer/answer for a SIP audio call (RFC 3264 on RFC 4566 bodies). Offers are parsed with
// sofia-sip's SDP parser (no home-made parser, DESIGN.md §4); answers and offers are written
// here because they are a handful of fixed lines. One audio stream, plain RTP/AVP: the codecs a
// trunk offers (PCMU, PCMA, Opus) plus RFC 4733 telephone-event.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::media::sip {

/// Largest SDP body accepted: real offers are < 2 KiB; bounds parser memory per request.
inline constexpr size_t kMaxSdpBytes = 16 * 1024;

enum class SipCodec { Pcmu, Pcma, Opus };
const char* toString(SipCodec codec) noexcept;

/// Media direction of one side (RFC 3264 §5.1, §6.1).
enum class SdpDirection { SendRecv, SendOnly, RecvOnly, Inactive };
const char* toString(SdpDirection direction) noexcept;

/// What a remote SDP says about its one audio stream.
struct SdpAudio {
  struct Format {
    int payloadType = 0;   ///< 0–127
    std::string encoding;  ///< as written, e.g. "PCMU", "opus", "telephone-event"
    int clockRate = 0;     ///< Hz
  };
  std::string
      address;  ///< c= address (media- or session-level); "0.0.0.0" means hold (RFC 3264 §8.4)
  uint16_t port = 0;  ///< m= port; 0 = stream rejected
  bool ipv6 = false;
  bool secure = false;  ///< RTP/SAVP(F): SDES-SRTP, which we do not offer
  SdpDirection direction = SdpDirection::SendRecv;
  std::vector<Format> formats;  ///< in the offerer's preference order (m= line order)
  int ptimeMs = 0;              ///< a=ptime, 0 if absent
};

/// Parses a remote description (offer or answer). nullopt with `error` set when the body is not
/// SDP, is larger than kMaxSdpBytes, or has no audio m= line.
std::optional<SdpAudio> parseSdp(std::string_view body, std::string* error = nullptr);

/// The outcome of negotiation: which codec and payload types both sides use.
struct SdpChoice {
  SipCodec codec = SipCodec::Pcmu;
  int payloadType = 0;
  int clockRate = 8000;
  int dtmfPayloadType = -1;  ///< telephone-event PT at the codec's clock, -1 if not offered
  int dtmfClockRate = 8000;
};

/// Picks the first codec of the offer (offerer's order, RFC 3264 §6.1) that is in `allowed`, so
/// a G.711 trunk gets G.711 back and nothing is transcoded on the way to the PSTN. The
/// telephone-event format is taken at the chosen codec's clock when offered, else at 8000.
/// nullopt when nothing in the offer is allowed (the caller answers 488).
std::optional<SdpChoice> negotiate(const SdpAudio& offer, const std::vector<SipCodec>& allowed);

/// Parses "PCMU,PCMA,opus" (case-insensitive). nullopt on an unknown name or an empty list.
std::optional<std::vector<SipCodec>> parseCodecList(std::string_view list);

/// Our side of a description.
struct SdpLocal {
  std::string address;     ///< IPv4 (or IPv6) the peer sends RTP to (sip.public_ip)
  uint16_t port = 0;       ///< RTP port; RTCP is port + 1 (RFC 3550 §11)
  uint64_t sessionId = 0;  ///< o= session id, stable for the dialog
  uint64_t version = 1;    ///< o= version, incremented for every new description
  SdpDirection direction = SdpDirection::SendRecv;
};

/// The direction we answer with: the mirror of the offer's (sendonly → recvonly, RFC 3264 §6.1).
SdpDirection answerDirection(SdpDirection offered) noexcept;

/// Writes an answer with exactly the chosen codec and telephone-event, ptime 20.
std::string buildAnswer(const SdpLocal& local, const SdpChoice& choice);

/// Writes an offer with `codecs` (in order) and telephone-event/8000 as PT 101 (and /48000 as
/// PT 102 when Opus is offered), ptime 20. Payload types: PCMU 0, PCMA 8, Opus 111.
std::string buildOffer(const SdpLocal& local, const std::vector<SipCodec>& codecs);

}  // namespace parley::media::sip
