#include "agent/sip/SipSettings.hpp"

namespace parley::agent {

SipSettings readSipSettings(const core::Config& cfg) {
  SipSettings s;
  s.enabled = cfg.getBool("sip.enabled");
  s.listen = *core::SocketAddress::parse(cfg.getString("sip.listen"));
  s.publicIp = cfg.getString("sip.public_ip");
  if (s.publicIp.empty()) {
    std::string host = s.listen.host();
    s.publicIp = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host;
  }
  const std::string& range = cfg.getString("sip.rtp_ports");
  auto dash = range.find('-');
  s.rtpFirst = static_cast<uint16_t>(std::stoi(range.substr(0, dash)));
  s.rtpLast = static_cast<uint16_t>(std::stoi(range.substr(dash + 1)));
  s.codecs = *media::sip::parseCodecList(cfg.getString("sip.codecs"));
  s.trunksFile = cfg.getString("sip.trunks_file");
  s.mediaTimeoutMs = static_cast<int>(cfg.getDouble("sip.media_timeout_s") * 1000);
  s.maxCalls = static_cast<int>(cfg.getInt("sip.max_calls"));
  s.retryAfterS = static_cast<int>(cfg.getInt("sip.retry_after_s"));
  s.ringMs = static_cast<int>(cfg.getInt("sip.ring_ms"));
  s.sessionTimerS = static_cast<unsigned>(cfg.getInt("sip.session_timer_s"));
  if (const std::string& tls = cfg.getString("sip.tls_listen"); !tls.empty())
    s.tlsListen = core::SocketAddress::parse(tls);
  s.tlsCertificate = cfg.getString("sip.tls_certificate");
  s.tlsKey = cfg.getString("sip.tls_key");
  return s;
}

std::string sipUrl(const core::SocketAddress& a, const char* scheme) {
  std::string host = a.host();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(scheme) + ":" + host + ":" + std::to_string(a.port());
}

std::pair<std::string, std::string> splitTrunkUri(const std::string& uri) {
  auto colon = uri.find(':');
  std::string scheme = uri.substr(0, colon), hostPart = uri.substr(colon + 1);
  if (auto at = hostPart.find('@'); at != std::string::npos) hostPart = hostPart.substr(at + 1);
  return {scheme, hostPart};
}

std::string transferTarget(const tools::Tenant& tenant, const media::sip::SipTrunk* trunk,
                           const core::SocketAddress& source) {
  const std::string& v = tenant.transferTo;
  if (v.empty()) return {};
  if (v.rfind("sip:", 0) == 0 || v.rfind("sips:", 0) == 0 || v.rfind("tel:", 0) == 0)
    return "<" + v + ">";
  if (trunk && !trunk->outboundUri.empty()) {
    auto [scheme, hostPart] = splitTrunkUri(trunk->outboundUri);
    return "<" + scheme + ":" + v + "@" + hostPart + ">";
  }
  std::string host = source.host();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "<sip:" + v + "@" + host + ":" + std::to_string(source.port()) + ">";
}

}  // namespace parley::agent
