#include "media/sip/SipSdp.hpp"

#include <fmt/format.h>
#include <strings.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>
#pragma GCC diagnostic pop

namespace parley::media::sip {
namespace {

constexpr int kPcmuPt = 0;  // RFC 3551 §6 static payload types
constexpr int kPcmaPt = 8;
constexpr int kOpusPt = 111;  // dynamic; the value most stacks use
constexpr int kDtmfPt = 101;  // dynamic; the value trunks use (Twilio, Telnyx)
constexpr int kDtmfOpusPt = 102;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<SipCodec> codecOf(const SdpAudio::Format& f) {
  if (iequals(f.encoding, "PCMU") && f.clockRate == 8000) return SipCodec::Pcmu;
  if (iequals(f.encoding, "PCMA") && f.clockRate == 8000) return SipCodec::Pcma;
  if (iequals(f.encoding, "opus") && f.clockRate == 48000) return SipCodec::Opus;
  return std::nullopt;
}

const char* directionAttribute(SdpDirection d) {
  switch (d) {
    case SdpDirection::SendOnly:
      return "sendonly";
    case SdpDirection::RecvOnly:
      return "recvonly";
    case SdpDirection::Inactive:
      return "inactive";
    case SdpDirection::SendRecv:
      break;
  }
  return "sendrecv";
}

/// RAII for a sofia memory home (everything the parser allocates lives in it).
struct Home {
  su_home_t* home = static_cast<su_home_t*>(su_home_new(sizeof(su_home_t)));
  ~Home() {
    if (home) su_home_unref(home);
  }
};

std::string header(const SdpLocal& local) {
  const char* ip = local.address.find(':') != std::string::npos ? "IP6" : "IP4";
  return fmt::format("v=0\r\no=parley {} {} IN {} {}\r\ns=parley\r\nc=IN {} {}\r\nt=0 0\r\n",
                     local.sessionId, local.version, ip, local.address, ip, local.address);
}

}  // namespace

const char* toString(SipCodec codec) noexcept {
  switch (codec) {
    case SipCodec::Pcmu:
      return "PCMU";
    case SipCodec::Pcma:
      return "PCMA";
    case SipCodec::Opus:
      return "opus";
  }
  return "?";
}

const char* toString(SdpDirection direction) noexcept {
  return directionAttribute(direction);
}

std::optional<SdpAudio> parseSdp(std::string_view body, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<SdpAudio> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (body.empty()) return fail("empty SDP body");
  if (body.size() > kMaxSdpBytes) return fail("SDP body larger than 16 KiB");
  Home h;
  if (!h.home) return fail("out of memory");
  // sdp_f_c_missing is not set: RFC 4566 §5.7 requires a c= line for every stream.
  sdp_parser_t* parser =
      sdp_parse(h.home, body.data(), static_cast<issize_t>(body.size()), sdp_f_anynet);
  sdp_session_t* session = parser ? sdp_session(parser) : nullptr;
  if (!session) {
    std::string why = parser && sdp_parsing_error(parser) ? sdp_parsing_error(parser) : "invalid";
    if (parser) sdp_parser_free(parser);
    return fail("malformed SDP: " + why);
  }
  SdpAudio audio;
  bool found = false;
  for (sdp_media_t* m = session->sdp_media; m && !found; m = m->m_next) {
    if (m->m_type != sdp_media_audio) continue;
    found = true;
    audio.port = static_cast<uint16_t>(m->m_port > 65535 ? 0 : m->m_port);
    audio.secure = m->m_proto == sdp_proto_srtp ||
                   (m->m_proto_name && strncasecmp(m->m_proto_name, "RTP/SAVP", 8) == 0);
    const sdp_connection_t* c = m->m_connections ? m->m_connections : session->sdp_connection;
    if (c && c->c_address) {
      audio.address = c->c_address;
      audio.ipv6 = c->c_addrtype == sdp_addr_ip6;
    }
    switch (m->m_mode) {
      case sdp_inactive:
        audio.direction = SdpDirection::Inactive;
        break;
      case sdp_sendonly:
        audio.direction = SdpDirection::SendOnly;
        break;
      case sdp_recvonly:
        audio.direction = SdpDirection::RecvOnly;
        break;
      default:
        audio.direction = SdpDirection::SendRecv;
        break;
    }
    for (sdp_rtpmap_t* rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
      if (!rm->rm_encoding) continue;
      audio.formats.push_back({.payloadType = static_cast<int>(rm->rm_pt),
                               .encoding = rm->rm_encoding,
                               .clockRate = static_cast<int>(rm->rm_rate)});
    }
    for (sdp_attribute_t* a = m->m_attributes; a; a = a->a_next) {
      if (a->a_name && a->a_value && strcasecmp(a->a_name, "ptime") == 0)
        audio.ptimeMs = std::atoi(a->a_value);
    }
  }
  sdp_parser_free(parser);
  if (!found) return fail("no audio m= line");
  return audio;
}

std::optional<SdpChoice> negotiate(const SdpAudio& offer, const std::vector<SipCodec>& allowed) {
  if (offer.port == 0 || offer.secure) return std::nullopt;
  std::optional<SdpChoice> choice;
  for (const auto& f : offer.formats) {
    auto codec = codecOf(f);
    if (!codec) continue;
    bool ok = false;
    for (auto a : allowed) ok = ok || a == *codec;
    if (!ok) continue;
    choice = SdpChoice{.codec = *codec, .payloadType = f.payloadType, .clockRate = f.clockRate};
    break;
  }
  if (!choice) return std::nullopt;
  // Prefer telephone-event at the audio clock (RFC 4733 §2.1 shares the audio's timestamp space).
  for (int pass = 0; pass < 2 && choice->dtmfPayloadType < 0; ++pass) {
    for (const auto& f : offer.formats) {
      if (!iequals(f.encoding, "telephone-event")) continue;
      if (pass == 0 && f.clockRate != choice->clockRate) continue;
      choice->dtmfPayloadType = f.payloadType;
      choice->dtmfClockRate = f.clockRate;
      break;
    }
  }
  return choice;
}

std::optional<std::vector<SipCodec>> parseCodecList(std::string_view list) {
  std::vector<SipCodec> out;
  size_t i = 0;
  while (i <= list.size()) {
    size_t j = list.find(',', i);
    if (j == std::string_view::npos) j = list.size();
    std::string_view item = list.substr(i, j - i);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (iequals(item, "PCMU"))
      out.push_back(SipCodec::Pcmu);
    else if (iequals(item, "PCMA"))
      out.push_back(SipCodec::Pcma);
    else if (iequals(item, "opus"))
      out.push_back(SipCodec::Opus);
    else
      return std::nullopt;
    i = j + 1;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

SdpDirection answerDirection(SdpDirection offered) noexcept {
  switch (offered) {
    case SdpDirection::SendOnly:
      return SdpDirection::RecvOnly;
    case SdpDirection::RecvOnly:
      return SdpDirection::SendOnly;
    case SdpDirection::Inactive:
      return SdpDirection::Inactive;
    case SdpDirection::SendRecv:
      break;
  }
  return SdpDirection::SendRecv;
}

std::string buildAnswer(const SdpLocal& local, const SdpChoice& choice) {
  std::string s = header(local);
  s += fmt::format("m=audio {} RTP/AVP {}", local.port, choice.payloadType);
  if (choice.dtmfPayloadType >= 0) s += fmt::format(" {}", choice.dtmfPayloadType);
  s += "\r\n";
  if (choice.codec == SipCodec::Opus) {
    s += fmt::format("a=rtpmap:{} opus/48000/2\r\n", choice.payloadType);
    // Mono speech with in-band FEC (RFC 7587 §6.1).
    s += fmt::format("a=fmtp:{} minptime=10;useinbandfec=1\r\n", choice.payloadType);
  } else {
    s += fmt::format("a=rtpmap:{} {}/8000\r\n", choice.payloadType, toString(choice.codec));
  }
  if (choice.dtmfPayloadType >= 0) {
    s += fmt::format("a=rtpmap:{} telephone-event/{}\r\n", choice.dtmfPayloadType,
                     choice.dtmfClockRate);
    s += fmt::format("a=fmtp:{} 0-16\r\n", choice.dtmfPayloadType);
  }
  s += "a=ptime:20\r\n";
  s += fmt::format("a={}\r\n", directionAttribute(local.direction));
  return s;
}

std::string buildOffer(const SdpLocal& local, const std::vector<SipCodec>& codecs) {
  std::string s = header(local);
  std::string pts, maps;
  bool opus = false;
  for (auto c : codecs) {
    int pt = c == SipCodec::Pcmu ? kPcmuPt : c == SipCodec::Pcma ? kPcmaPt : kOpusPt;
    pts += fmt::format(" {}", pt);
    if (c == SipCodec::Opus) {
      opus = true;
      maps += fmt::format("a=rtpmap:{} opus/48000/2\r\na=fmtp:{} minptime=10;useinbandfec=1\r\n",
                          pt, pt);
    } else {
      maps += fmt::format("a=rtpmap:{} {}/8000\r\n", pt, toString(c));
    }
  }
  pts += fmt::format(" {}", kDtmfPt);
  maps += fmt::format("a=rtpmap:{} telephone-event/8000\r\na=fmtp:{} 0-16\r\n", kDtmfPt, kDtmfPt);
  if (opus) {
    pts += fmt::format(" {}", kDtmfOpusPt);
    maps += fmt::format("a=rtpmap:{} telephone-event/48000\r\na=fmtp:{} 0-16\r\n", kDtmfOpusPt,
                        kDtmfOpusPt);
  }
  s += fmt::format("m=audio {} RTP/AVP{}\r\n", local.port, pts);
  s += maps;
  s += "a=ptime:20\r\n";
  s += fmt::format("a={}\r\n", directionAttribute(local.direction));
  return s;
}

}  // namespace parley::media::sip
