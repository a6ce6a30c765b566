#include "media/sip/SipTrunks.hpp"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/Error.hpp"
#include "media/sip/TrunkSecret.hpp"

namespace parley::media::sip {
namespace {

std::string where(const std::string& source, const YAML::Node& n) {
  if (!n.IsDefined() || n.Mark().is_null()) return source;
  return source + ":" + std::to_string(n.Mark().line + 1);
}

std::string scalar(const YAML::Node& parent, const char* key, const std::string& path,
                   const std::string& source) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return {};
  if (!n.IsScalar())
    throw core::ConfigError(path + "." + key, where(source, n), "must be a string");
  return n.as<std::string>();
}

void onlyKeys(const YAML::Node& map, const std::string& path, const std::string& source,
              std::initializer_list<const char*> keys) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    auto k = it->first.as<std::string>();
    bool known = isTrunkSecretKey(k);
    std::string list;
    for (const char* key : keys) {
      known = known || k == key;
      list += std::string(list.empty() ? "" : ", ") + key;
    }
    if (!known)
      throw core::ConfigError(
          path + "." + k, where(source, it->first),
          "unknown key (expected " + list + ", password, password_env or password_file)");
  }
}

SipInboundDigest parseDigest(const YAML::Node& d, const std::string& path,
                             const std::string& source, const core::EnvLookup& env) {
  if (!d.IsMap()) throw core::ConfigError(path, where(source, d), "must be a mapping");
  onlyKeys(d, path, source, {"realm", "username"});
  SipInboundDigest out;
  if (std::string realm = scalar(d, "realm", path, source); !realm.empty()) out.realm = realm;
  out.username = scalar(d, "username", path, source);
  out.password = readTrunkSecret(d, path, where(source, d), env);
  if (out.username.empty())
    throw core::ConfigError(path + ".username", where(source, d), "required");
  if (out.password.empty())
    throw core::ConfigError(path, where(source, d),
                            "needs password_env, password_file (mode 0600) or password");
  // The realm and username are quoted strings in the challenge (RFC 2617 §3.2.1): no quotes.
  for (const std::string* v : {&out.realm, &out.username})
    if (v->find_first_of("\"\\\r\n") != std::string::npos)
      throw core::ConfigError(path, where(source, d), "realm and username cannot contain quotes");
  return out;
}

SipRegistration parseRegistration(const YAML::Node& r, const std::string& path,
                                  const std::string& source, const core::EnvLookup& env) {
  if (!r.IsMap()) throw core::ConfigError(path, where(source, r), "must be a mapping");
  onlyKeys(r, path, source, {"registrar", "aor", "username", "expires"});
  SipRegistration out;
  out.registrar = scalar(r, "registrar", path, source);
  out.aor = scalar(r, "aor", path, source);
  out.username = scalar(r, "username", path, source);
  out.password = readTrunkSecret(r, path, where(source, r), env);
  if (out.registrar.rfind("sip:", 0) != 0 && out.registrar.rfind("sips:", 0) != 0)
    throw core::ConfigError(path + ".registrar", where(source, r),
                            "must be a sip: or sips: URI such as sip:sip.telnyx.com");
  if (out.username.empty())
    throw core::ConfigError(path + ".username", where(source, r), "required");
  if (!out.aor.empty() && out.aor.rfind("sip:", 0) != 0 && out.aor.rfind("sips:", 0) != 0)
    throw core::ConfigError(path + ".aor", where(source, r), "must start with sip: or sips:");
  if (YAML::Node e = r["expires"]; e.IsDefined()) {
    std::string v = e.IsScalar() ? e.as<std::string>() : "";
    if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(v) < 10 || std::stoul(v) > 86400)
      throw core::ConfigError(path + ".expires", where(source, e),
                              "must be seconds between 10 and 86400");
    out.expiresS = static_cast<unsigned>(std::stoul(v));
  }
  return out;
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  Cidr c;
  c.text_ = std::string(text);
  std::string addr(text);
  int bits = -1;
  if (auto slash = addr.find('/'); slash != std::string::npos) {
    std::string b = addr.substr(slash + 1);
    if (b.empty() || b.size() > 3 || b.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    bits = std::stoi(b);
    addr.resize(slash);
  }
  if (inet_pton(AF_INET, addr.c_str(), c.bytes_.data()) == 1) {
    c.v6_ = false;
    c.bits_ = bits < 0 ? 32 : bits;
    if (c.bits_ > 32) return std::nullopt;
  } else if (inet_pton(AF_INET6, addr.c_str(), c.bytes_.data()) == 1) {
    c.v6_ = true;
    c.bits_ = bits < 0 ? 128 : bits;
    if (c.bits_ > 128) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return c;
}

bool Cidr::contains(const core::SocketAddress& address) const {
  const uint8_t* bytes = nullptr;
  uint8_t mapped[4];
  if (address.family() == AF_INET) {
    if (v6_) return false;
    bytes = reinterpret_cast<const uint8_t*>(
        &reinterpret_cast<const sockaddr_in*>(address.sa())->sin_addr);
  } else if (address.family() == AF_INET6) {
    const auto* a6 = &reinterpret_cast<const sockaddr_in6*>(address.sa())->sin6_addr;
    if (!v6_) {
      if (!IN6_IS_ADDR_V4MAPPED(a6)) return false;
      std::memcpy(mapped, a6->s6_addr + 12, 4);
      bytes = mapped;
    } else {
      bytes = a6->s6_addr;
    }
  } else {
    return false;
  }
  int full = bits_ / 8;
  if (std::memcmp(bytes, bytes_.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = bits_ % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (bytes[full] & mask) == (bytes_[static_cast<size_t>(full)] & mask);
}

SipTrunks SipTrunks::loadFile(const std::filesystem::path& path, const core::EnvLookup& env) {
  std::ifstream in(path);
  if (!in) throw core::ConfigError("sip.trunks_file", "", "cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path.string(), env);
}

SipTrunks SipTrunks::parse(const std::string& yaml, const std::string& source,
                           const core::EnvLookup& env) {
  // yaml-cpp throws on syntax errors and on conversions of odd nodes (a list used as a key):
  // both become a ConfigError with the line.
  try {
    return parseNodes(YAML::Load(yaml), source, env);
  } catch (const YAML::Exception& e) {
    throw core::ConfigError("", source + ":" + std::to_string(e.mark.line + 1), e.msg);
  }
}

SipTrunks SipTrunks::parseNodes(const YAML::Node& root, const std::string& source,
                                const core::EnvLookup& env) {
  SipTrunks out;
  YAML::Node list = root["trunks"];
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) throw core::ConfigError("trunks", where(source, list), "must be a list");
  if (list.size() > kMaxTrunks)
    throw core::ConfigError("trunks", where(source, list), "more than 256 trunks");
  for (size_t i = 0; i < list.size(); ++i) {
    YAML::Node t = list[i];
    std::string path = "trunks[" + std::to_string(i) + "]";
    if (!t.IsMap()) throw core::ConfigError(path, where(source, t), "must be a mapping");
    for (auto it = t.begin(); it != t.end(); ++it) {
      auto k = it->first.as<std::string>();
      if (k != "name" && k != "inbound" && k != "outbound" && k != "register")
        throw core::ConfigError(path + "." + k, where(source, it->first),
                                "unknown key (expected name, inbound, outbound, register)");
    }
    SipTrunk trunk;
    trunk.name = scalar(t, "name", path, source);
    if (trunk.name.empty()) throw core::ConfigError(path + ".name", where(source, t), "required");
    if (out.byName(trunk.name))
      throw core::ConfigError(path + ".name", where(source, t["name"]),
                              "duplicate trunk name '" + trunk.name + "'");
    if (YAML::Node in = t["inbound"]; in.IsDefined() && !in.IsNull()) {
      if (!in.IsMap())
        throw core::ConfigError(path + ".inbound", where(source, in), "must be a mapping");
      YAML::Node allow = in["allow"];
      if (allow.IsDefined() && !allow.IsSequence())
        throw core::ConfigError(path + ".inbound.allow", where(source, allow),
                                "must be a list of CIDRs such as 54.172.60.0/30");
      if (allow.IsDefined() && allow.size() > kMaxCidrsPerTrunk)
        throw core::ConfigError(path + ".inbound.allow", where(source, allow),
                                "more than 256 entries");
      for (size_t j = 0; allow.IsDefined() && j < allow.size(); ++j) {
        auto text = allow[j].IsScalar() ? allow[j].as<std::string>() : std::string();
        auto cidr = Cidr::parse(text);
        if (!cidr)
          throw core::ConfigError(path + ".inbound.allow[" + std::to_string(j) + "]",
                                  where(source, allow[j]),
                                  "'" + text + "' is not an IP address or CIDR (a.b.c.d/n, v6/n)");
        trunk.allow.push_back(*cidr);
      }
      if (YAML::Node d = in["digest"]; d.IsDefined() && !d.IsNull())
        trunk.digest = parseDigest(d, path + ".inbound.digest", source, env);
    }
    if (YAML::Node o = t["outbound"]; o.IsDefined() && !o.IsNull()) {
      if (!o.IsMap())
        throw core::ConfigError(path + ".outbound", where(source, o), "must be a mapping");
      std::string p = path + ".outbound";
      trunk.outboundUri = scalar(o, "uri", p, source);
      trunk.username = scalar(o, "username", p, source);
      trunk.password = readTrunkSecret(o, p, where(source, o), env);
      trunk.callerId = scalar(o, "caller_id", p, source);
      if (trunk.outboundUri.rfind("sip:", 0) != 0 && trunk.outboundUri.rfind("sips:", 0) != 0)
        throw core::ConfigError(p + ".uri", where(source, o), "must start with sip: or sips:");
    }
    if (YAML::Node r = t["register"]; r.IsDefined() && !r.IsNull())
      trunk.registration = parseRegistration(r, path + ".register", source, env);
    out.trunks_.push_back(std::move(trunk));
  }
  return out;
}

SipTrunks::InboundMatch SipTrunks::matchInbound(const core::SocketAddress& source) const {
  InboundMatch m;
  for (const auto& t : trunks_) {
    bool inAllow = false;
    for (const auto& c : t.allow) inAllow = inAllow || c.contains(source);
    if (!t.digest && inAllow) {
      m.byAddress = &t;
      m.byDigest.clear();
      return m;
    }
    if (t.digest && (t.allow.empty() || inAllow)) m.byDigest.push_back(&t);
  }
  return m;
}

const SipTrunk* SipTrunks::matchSource(const core::SocketAddress& source) const {
  for (const auto& t : trunks_)
    for (const auto& c : t.allow)
      if (c.contains(source)) return &t;
  return nullptr;
}

const SipTrunk* SipTrunks::byName(std::string_view name) const {
  for (const auto& t : trunks_)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace parley::media::sip
