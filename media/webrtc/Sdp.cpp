#include "media/webrtc/Sdp.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

namespace parley::media {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool toInt(std::string_view s, int& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return lower(a) == lower(b);
}

struct Rtpmap {
  int pt;
  std::string name;
  int rate;
  int channels;
};

}  // namespace

std::optional<SdpOffer> Sdp::parseOffer(std::string_view text, SdpError& error) {
  auto malformed = [&](std::string reason) {
    error = {SdpError::Kind::Malformed, std::move(reason)};
    return std::nullopt;
  };
  auto unacceptable = [&](std::string reason) {
    error = {SdpError::Kind::Unacceptable, std::move(reason)};
    return std::nullopt;
  };
  if (text.size() > kMaxSdpBytes) return malformed("SDP larger than 64 KiB");

  SdpOffer offer;
  SdpMediaSection session;  // session-level attributes, inherited by every section
  std::vector<std::vector<Rtpmap>> rtpmaps;
  bool first = true;
  for (std::string_view line : split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=' || !std::islower(static_cast<unsigned char>(line[0])))
      return malformed("line is not 'x=value': " + std::string(line.substr(0, 40)));
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (first) {
      if (type != 'v' || value != "0") return malformed("SDP must start with v=0");
      first = false;
      continue;
    }
    SdpMediaSection* cur = offer.sections.empty() ? &session : &offer.sections.back();
    if (type == 'm') {
      if (offer.sections.size() >= kMaxSections) return malformed("too many m= sections");
      auto parts = split(value, ' ');
      int port = 0;
      if (parts.size() < 4 || !toInt(parts[1].substr(0, parts[1].find('/')), port) || port < 0 ||
          port > 65535)
        return malformed("bad m= line: " + std::string(value.substr(0, 60)));
      SdpMediaSection m;
      m.media = std::string(parts[0]);
      m.port = static_cast<uint16_t>(port);
      m.proto = std::string(parts[2]);
      for (size_t i = 3; i < parts.size(); ++i) m.formats.emplace_back(parts[i]);
      m.iceUfrag = session.iceUfrag;
      m.icePwd = session.icePwd;
      m.fingerprintAlg = session.fingerprintAlg;
      m.fingerprint = session.fingerprint;
      m.setup = session.setup;
      m.direction = session.direction;
      offer.sections.push_back(std::move(m));
      rtpmaps.emplace_back();
      continue;
    }
    if (type != 'a') continue;
    const size_t colon = value.find(':');
    const std::string_view name = value.substr(0, colon);
    const std::string_view arg = colon == std::string_view::npos ? "" : value.substr(colon + 1);
    if (name == "ice-ufrag") {
      cur->iceUfrag = std::string(arg);
    } else if (name == "ice-pwd") {
      cur->icePwd = std::string(arg);
    } else if (name == "fingerprint") {
      auto parts = split(arg, ' ');
      if (parts.size() == 2 && iequals(parts[0], "sha-256")) {
        cur->fingerprintAlg = "sha-256";
        cur->fingerprint = upper(parts[1]);
      } else if (parts.size() == 2 && cur->fingerprintAlg.empty()) {
        cur->fingerprintAlg = lower(parts[0]);
        cur->fingerprint = upper(parts[1]);
      }
    } else if (name == "setup") {
      cur->setup = std::string(arg);
    } else if (name == "mid") {
      cur->mid = std::string(arg);
    } else if (name == "rtcp-mux") {
      cur->rtcpMux = true;
    } else if (name == "sendrecv" || name == "sendonly" || name == "recvonly" ||
               name == "inactive") {
      cur->direction = std::string(name);
    } else if (name == "group") {
      auto parts = split(arg, ' ');
      if (!parts.empty() && parts[0] == "BUNDLE")
        for (size_t i = 1; i < parts.size(); ++i) offer.bundleMids.emplace_back(parts[i]);
    } else if (name == "rtpmap" && !offer.sections.empty()) {
      // a=rtpmap:<pt> <name>/<rate>[/<channels>]
      const size_t sp = arg.find(' ');
      int pt = 0;
      if (sp == std::string_view::npos || !toInt(arg.substr(0, sp), pt) || pt < 0 || pt > 127)
        return malformed("bad rtpmap: " + std::string(arg.substr(0, 40)));
      auto enc = split(arg.substr(sp + 1), '/');
      int rate = 0;
      int channels = 1;
      if (enc.size() < 2 || !toInt(enc[1], rate) || (enc.size() > 2 && !toInt(enc[2], channels)))
        return malformed("bad rtpmap: " + std::string(arg.substr(0, 40)));
      rtpmaps.back().push_back({pt, lower(enc[0]), rate, channels});
    }
  }
  if (first) return malformed("empty SDP");
  if (offer.sections.empty()) return malformed("no m= section");

  std::string why = "no audio m= section";
  for (size_t i = 0; i < offer.sections.size(); ++i) {
    SdpMediaSection& m = offer.sections[i];
    if (m.media != "audio" || m.port == 0) continue;
    // Payload types in m= order: the offerer's preference (RFC 3264 §5.1).
    for (const std::string& f : m.formats) {
      int pt = -1;
      if (!toInt(f, pt)) continue;
      for (const Rtpmap& r : rtpmaps[i]) {
        if (r.pt != pt) continue;
        if (r.name == "opus" && r.rate == 48000 && r.channels == 2 && m.opusPt < 0) m.opusPt = pt;
        if (r.name == "telephone-event" &&
            (m.telephoneEventPt < 0 || (r.rate == 48000 && m.telephoneEventRate != 48000))) {
          m.telephoneEventPt = pt;
          m.telephoneEventRate = r.rate;
        }
      }
    }
    if (m.proto != "UDP/TLS/RTP/SAVPF" && m.proto != "UDP/TLS/RTP/SAVP") {
      why = "audio transport must be UDP/TLS/RTP/SAVPF (DTLS-SRTP)";
    } else if (m.opusPt < 0) {
      why = "audio section offers no opus/48000/2";
    } else if (m.iceUfrag.empty() || m.icePwd.empty()) {
      why = "no a=ice-ufrag / a=ice-pwd";
    } else if (m.fingerprintAlg != "sha-256" || m.fingerprint.size() != 95) {
      why = "no a=fingerprint:sha-256";
    } else if (!m.rtcpMux) {
      why = "a=rtcp-mux is required";
    } else if (m.setup == "passive") {
      why = "a=setup:passive offered: Parley is the DTLS server and needs active/actpass";
    } else {
      offer.audioIndex = static_cast<int>(i);
      break;
    }
  }
  if (offer.audioIndex < 0) return unacceptable(why);
  return offer;
}

std::string Sdp::buildAnswer(const SdpOffer& offer, const SdpAnswerParams& p) {
  std::ostringstream o;
  const SdpMediaSection& audio = offer.sections.at(static_cast<size_t>(offer.audioIndex));
  const char* ipv = p.candidateIp.find(':') == std::string::npos ? "IP4" : "IP6";
  o << "v=0\r\n"
    << "o=- " << p.sessionId << " 2 IN IP4 127.0.0.1\r\n"
    << "s=-\r\n"
    << "t=0 0\r\n"
    << "a=ice-lite\r\n";
  if (!audio.mid.empty()) o << "a=group:BUNDLE " << audio.mid << "\r\n";
  o << "a=msid-semantic: WMS parley\r\n";
  for (size_t i = 0; i < offer.sections.size(); ++i) {
    const SdpMediaSection& m = offer.sections[i];
    if (static_cast<int>(i) != offer.audioIndex) {
      // RFC 3264 §6: a rejected stream keeps its m= line with port 0 and the offered formats.
      o << "m=" << m.media << " 0 " << m.proto;
      for (const auto& f : m.formats) o << ' ' << f;
      o << "\r\nc=IN IP4 0.0.0.0\r\n";
      if (!m.mid.empty()) o << "a=mid:" << m.mid << "\r\n";
      o << "a=inactive\r\n";
      continue;
    }
    o << "m=audio " << p.candidatePort << ' ' << m.proto << ' ' << m.opusPt;
    if (m.telephoneEventPt >= 0) o << ' ' << m.telephoneEventPt;
    o << "\r\nc=IN " << ipv << ' ' << p.candidateIp << "\r\n";
    if (!m.mid.empty()) o << "a=mid:" << m.mid << "\r\n";
    // The agent talks back: answer sendrecv to a sendrecv offer (RFC 3264 §6.1 direction rules).
    const char* dir = m.direction == "sendonly"   ? "recvonly"
                      : m.direction == "recvonly" ? "sendonly"
                      : m.direction == "inactive" ? "inactive"
                                                  : "sendrecv";
    o << "a=" << dir << "\r\n"
      << "a=rtcp-mux\r\n"
      << "a=ice-ufrag:" << p.iceUfrag << "\r\n"
      << "a=ice-pwd:" << p.icePwd << "\r\n"
      << "a=ice-options:ice2\r\n"
      << "a=fingerprint:sha-256 " << p.fingerprintSha256 << "\r\n"
      << "a=setup:passive\r\n"
      << "a=rtpmap:" << m.opusPt << " opus/48000/2\r\n"
      << "a=fmtp:" << m.opusPt << " minptime=10;useinbandfec=1\r\n";
    if (m.telephoneEventPt >= 0)
      o << "a=rtpmap:" << m.telephoneEventPt << " telephone-event/" << m.telephoneEventRate
        << "\r\n"
        << "a=fmtp:" << m.telephoneEventPt << " 0-16\r\n";
    o << "a=msid:parley agent-audio\r\n"
      << "a=ssrc:" << p.ssrc << " cname:" << p.cname << "\r\n"
      << "a=candidate:1 1 udp 2130706431 " << p.candidateIp << ' ' << p.candidatePort
      << " typ host\r\n"
      << "a=end-of-candidates\r\n";
  }
  return o.str();
}

}  // namespace parley::media
