#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/Error.hpp"
#include "media/sip/SipTrunks.hpp"

using namespace parley;
using namespace parley::media::sip;

namespace {
core::SocketAddress addr(const char* hostPort) {
  return *core::SocketAddress::parse(hostPort);
}
}  // namespace

TEST_CASE("cidr matches v4 v6 and v4-mapped sources") {
  auto c = Cidr::parse("54.172.60.0/30");
  REQUIRE(c);
  CHECK(c->contains(addr("54.172.60.3:5060")));
  CHECK_FALSE(c->contains(addr("54.172.60.4:5060")));
  CHECK(c->contains(addr("[::ffff:54.172.60.1]:5060")));
  auto host = Cidr::parse("127.0.0.1");
  REQUIRE(host);
  CHECK(host->contains(addr("127.0.0.1:1")));
  CHECK_FALSE(host->contains(addr("127.0.0.2:1")));
  auto v6 = Cidr::parse("2001:db8::/32");
  REQUIRE(v6);
  CHECK(v6->contains(addr("[2001:db8:1::5]:5060")));
  CHECK_FALSE(v6->contains(addr("[2001:db9::5]:5060")));
  CHECK_FALSE(v6->contains(addr("1.2.3.4:5060")));
  auto any = Cidr::parse("0.0.0.0/0");
  REQUIRE(any);
  CHECK(any->contains(addr("8.8.8.8:53")));
  CHECK_FALSE(Cidr::parse("1.2.3.4/33"));
  CHECK_FALSE(Cidr::parse("1.2.3/8"));
  CHECK_FALSE(Cidr::parse("example.com/8"));
  CHECK_FALSE(Cidr::parse("1.2.3.4/"));
}

TEST_CASE("trunks file parses inbound allowlists and outbound settings") {
  auto t = SipTrunks::parse(R"(
trunks:
  - name: twilio
    inbound:
      allow: [54.172.60.0/30, 54.244.51.0/30]
    outbound:
      uri: sip:example.pstn.twilio.com
      username: parley
      password: secret
      caller_id: "+15550001111"
  - name: lab
    inbound:
      allow: ["127.0.0.1/32"]
)",
                            "trunks.yaml");
  REQUIRE(t.all().size() == 2);
  const SipTrunk* tw = t.byName("twilio");
  REQUIRE(tw);
  CHECK(tw->outboundUri == "sip:example.pstn.twilio.com");
  CHECK(tw->username == "parley");
  CHECK(tw->callerId == "+15550001111");
  CHECK(t.matchSource(addr("54.244.51.2:5060")) == tw);
  CHECK(t.matchSource(addr("127.0.0.1:5060")) == t.byName("lab"));
  CHECK(t.matchSource(addr("10.0.0.1:5060")) == nullptr);
}

TEST_CASE("trunks file errors name the file and line") {
  auto fails = [](const std::string& yaml, const std::string& needle) {
    try {
      SipTrunks::parse(yaml, "t.yaml");
    } catch (const core::ConfigError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
      return;
    }
    FAIL("no error for " << yaml);
  };
  fails("trunks:\n  - name: a\n    inbound:\n      allow: [300.1.1.1/8]\n", "t.yaml:4");
  fails("trunks:\n  - name: a\n  - name: a\n", "duplicate");
  fails("trunks:\n  - name: a\n    outbound:\n      uri: http://x\n", "sip:");
  fails("trunks:\n  - name: a\n    inbund: {}\n", "unknown key");
  fails("trunks: {a: 1}\n", "must be a list");
  fails("trunks: [\n", "t.yaml:");
  fails("trunks:\n  - {[a]: 1}\n", "t.yaml:2");
  CHECK(SipTrunks::parse("", "empty.yaml").all().empty());
}

TEST_CASE("inbound digest and register blocks take their password from env or a 0600 file") {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-trunks-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "pbx.pass";
  std::ofstream(file) << "from-file\n";
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  core::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "TELNYX_PASSWORD") return "from-env";
    return std::nullopt;
  };
  auto t = SipTrunks::parse(R"(
trunks:
  - name: pbx
    inbound:
      digest:
        realm: pbx.example
        username: office
        password_file: )" + file.string() +
                                R"(
  - name: telnyx
    inbound:
      allow: [192.0.2.10/32]
      digest: {username: parley, password_env: TELNYX_PASSWORD}
    register:
      registrar: sip:sip.telnyx.com
      username: parley
      password_env: TELNYX_PASSWORD
      expires: 600
  - name: twilio
    inbound:
      allow: [54.172.60.0/30]
)",
                            "trunks.yaml", env);
  const SipTrunk* pbx = t.byName("pbx");
  REQUIRE(pbx);
  REQUIRE(pbx->digest);
  CHECK(pbx->digest->realm == "pbx.example");
  CHECK(pbx->digest->username == "office");
  CHECK(pbx->digest->password == "from-file");
  const SipTrunk* telnyx = t.byName("telnyx");
  REQUIRE(telnyx->digest);
  CHECK(telnyx->digest->realm == "parley");
  CHECK(telnyx->digest->password == "from-env");
  REQUIRE(telnyx->registration);
  CHECK(telnyx->registration->registrar == "sip:sip.telnyx.com");
  CHECK(telnyx->registration->password == "from-env");
  CHECK(telnyx->registration->expiresS == 600);

  // Address only (twilio) admits at once; digest trunks need credentials; allow + digest
  // (telnyx) needs both, so its address alone does not admit.
  auto tw = t.matchInbound(addr("54.172.60.1:5060"));
  CHECK(tw.byAddress == t.byName("twilio"));
  auto tx = t.matchInbound(addr("192.0.2.10:5060"));
  CHECK(tx.byAddress == nullptr);
  REQUIRE(tx.byDigest.size() == 2);
  CHECK(tx.byDigest[0] == pbx);
  CHECK(tx.byDigest[1] == telnyx);
  auto any = t.matchInbound(addr("10.1.2.3:5060"));
  REQUIRE(any.byDigest.size() == 1);
  CHECK(any.byDigest[0] == pbx);
  CHECK_FALSE(any.stranger());
  auto none = SipTrunks::parse("trunks:\n  - name: a\n    inbound: {allow: [10.0.0.0/8]}\n", "t")
                  .matchInbound(addr("192.0.2.1:5060"));
  CHECK(none.stranger());

  // A password file others can read is refused, as are missing variables and two sources.
  std::filesystem::permissions(file, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  auto fails = [&](const std::string& yaml, const std::string& needle) {
    try {
      SipTrunks::parse(yaml, "t.yaml", env);
    } catch (const core::ConfigError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
      CHECK(std::string(e.what()).find("from-") == std::string::npos);
      return;
    }
    FAIL("no error for " << yaml);
  };
  fails("trunks:\n  - name: a\n    inbound:\n      digest: {username: u, password_file: " +
            file.string() + "}\n",
        "chmod 600");
  fails("trunks:\n  - name: a\n    inbound:\n      digest: {username: u, password_env: NOPE}\n",
        "NOPE is not set");
  fails("trunks:\n  - name: a\n    inbound:\n      digest: {username: u}\n", "password_env");
  fails("trunks:\n  - name: a\n    inbound:\n      digest: {password: p}\n", "username");
  fails(
      "trunks:\n  - name: a\n    outbound:\n      uri: sip:x\n      password: p\n"
      "      password_env: TELNYX_PASSWORD\n",
      "only one of");
  fails("trunks:\n  - name: a\n    register: {registrar: x.example, username: u}\n", "sip:");
  fails("trunks:\n  - name: a\n    register: {registrar: sip:x, username: u, expires: 5}\n",
        "between 10 and 86400");
  fails("trunks:\n  - name: a\n    register: {registrar: sip:x, user: u}\n", "unknown key");
  std::filesystem::remove_all(dir);
}
