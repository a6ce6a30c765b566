#pragma once
// SDP offer/answer for a browser audio call (RFC 8866 syntax, RFC 3264 offer/answer, JSEP
// RFC 8829 §5.3 for what an answer carries; BUNDLE RFC 9143; rtcp-mux RFC 5761; ICE RFC 8839;
// DTLS-SRTP RFC 8842/5763). The offer is parsed into the few facts the answer needs; anything
// else in it is ignored. Control path (HTTP request thread): allocates, never throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::media {

/// One m= section of an offer.
struct SdpMediaSection {
  std::string media;  ///< "audio", "video", "application" …
  uint16_t port = 0;
  std::string proto;                 ///< e.g. "UDP/TLS/RTP/SAVPF"
  std::vector<std::string> formats;  ///< payload types as written
  std::string mid;
  std::string direction = "sendrecv";
  std::string iceUfrag;  ///< media level, else copied from session level
  std::string icePwd;
  std::string fingerprintAlg;  ///< lower-case, e.g. "sha-256"
  std::string fingerprint;     ///< upper-case hex with colons
  std::string setup;           ///< actpass / active / passive
  bool rtcpMux = false;
  int opusPt = -1;            ///< first opus/48000/2 payload type, -1 if none
  int telephoneEventPt = -1;  ///< telephone-event matching 48000 Hz if offered, else 8000
  int telephoneEventRate = 0;
};

struct SdpOffer {
  std::vector<SdpMediaSection> sections;
  std::vector<std::string> bundleMids;  ///< a=group:BUNDLE
  /// The audio section the answer accepts (index into sections), -1 if none.
  int audioIndex = -1;
};

/// Why an offer cannot be used: Malformed → HTTP 400, Unacceptable → 406 (WHIP RFC 9725 §4.2).
struct SdpError {
  enum class Kind { Malformed, Unacceptable } kind;
  std::string reason;
};

/// What the answer says about us.
struct SdpAnswerParams {
  std::string iceUfrag;
  std::string icePwd;
  std::string fingerprintSha256;  ///< "AB:CD:…" (upper-case hex)
  std::string candidateIp;        ///< host candidate address (webrtc.public_ip or the bound IP)
  uint16_t candidatePort = 0;
  uint32_t ssrc = 0;  ///< our outbound SSRC (a=ssrc … cname)
  std::string cname;
  uint64_t sessionId = 0;  ///< o= line
};

class Sdp {
 public:
  /// A real offer is < 8 KiB (Chromium audio+video ~5 KiB); bounds the parser's work.
  static constexpr size_t kMaxSdpBytes = 64 * 1024;
  /// m= sections accepted (BUNDLE keeps browsers to a handful).
  static constexpr size_t kMaxSections = 16;

  /// Parses an offer and picks the audio section. Malformed: not SDP (no v=0, a line not
  /// "x=value", bad m= line, too big). Unacceptable: no audio section with Opus/48000/2, no
  /// ICE credentials, no sha-256 fingerprint, no rtcp-mux, not UDP/TLS/RTP/SAVPF, or
  /// a=setup:passive (we can only be the DTLS server).
  static std::optional<SdpOffer> parseOffer(std::string_view text, SdpError& error);
  /// Builds the answer: the chosen audio section accepted sendrecv with Opus (useinbandfec=1)
  /// and telephone-event, ICE-lite, setup:passive, one host candidate; every other section
  /// rejected with port 0.
  static std::string buildAnswer(const SdpOffer& offer, const SdpAnswerParams& params);
};

}  // namespace parley::media
