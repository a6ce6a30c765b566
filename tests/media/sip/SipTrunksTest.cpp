#include <doctest/doctest.h>

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
