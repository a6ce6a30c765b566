// ICE-lite connectivity checks: accepted, refused (401/400/487), nomination and path choice.
#include <doctest/doctest.h>

#include <array>
#include <string>
#include <vector>

#include "media/webrtc/IceLiteServer.hpp"

using namespace parley;
using namespace parley::media;

namespace {

struct Check {
  std::string username = "srv1:brw1";
  std::string password = "server-password-0123456789";
  bool priority = true;
  bool useCandidate = false;
  bool controlled = false;
  bool integrity = true;
  bool fingerprint = true;
  uint8_t txByte = 1;
};

std::vector<uint8_t> makeCheck(const Check& c) {
  std::vector<uint8_t> out(256);
  std::array<uint8_t, 12> txid{};
  txid.fill(c.txByte);
  StunBuilder b(out, StunClass::Request, StunMessage::kBindingMethod, txid);
  b.addString(StunAttr::Username, c.username);
  if (c.priority) b.addUint32(StunAttr::Priority, 1845501695);
  b.addUint64(c.controlled ? StunAttr::IceControlled : StunAttr::IceControlling, 42);
  if (c.useCandidate) b.addFlag(StunAttr::UseCandidate);
  if (c.integrity) b.addMessageIntegrity(c.password);
  if (c.fingerprint) b.addFingerprint();
  out.resize(b.size());
  return out;
}

core::SocketAddress addr(const char* s) {
  return *core::SocketAddress::parse(s);
}

}  // namespace

TEST_CASE("a valid check is answered with XOR-MAPPED-ADDRESS signed with the local password") {
  IceLiteServer ice("srv1", "server-password-0123456789", "brw1");
  auto bytes = makeCheck({});
  auto m = StunMessage::parse(bytes);
  REQUIRE(m);
  std::array<uint8_t, IceLiteServer::kMaxResponse> out{};
  const auto from = addr("127.0.0.1:50000");
  auto r = ice.handle(*m, from, out, 1000);
  CHECK(r.outcome == IceLiteServer::Outcome::Accepted);
  CHECK(r.selectedChanged);
  CHECK(ice.connected());
  CHECK(ice.isVerified(from));
  CHECK(ice.lastConsentNs() == 1000);
  auto resp = StunMessage::parse(std::span<const uint8_t>(out.data(), r.responseSize));
  REQUIRE(resp);
  CHECK(resp->messageClass() == StunClass::Success);
  CHECK(resp->checkIntegrity("server-password-0123456789"));
  CHECK(resp->checkFingerprint());
  REQUIRE(resp->xorMappedAddress());
  CHECK(*resp->xorMappedAddress() == from);
  CHECK(std::equal(m->transactionId().begin(), m->transactionId().end(),
                   resp->transactionId().begin()));
}

TEST_CASE("wrong password or username gets 401 and verifies nothing") {
  IceLiteServer ice("srv1", "server-password-0123456789", "brw1");
  std::array<uint8_t, IceLiteServer::kMaxResponse> out{};
  Check bad;
  bad.password = "guessed";
  auto b1 = makeCheck(bad);
  auto r = ice.handle(*StunMessage::parse(b1), addr("10.0.0.1:1"), out, 1);
  CHECK(r.outcome == IceLiteServer::Outcome::Unauthorized);
  CHECK(StunMessage::parse(std::span<const uint8_t>(out.data(), r.responseSize))->errorCode() ==
        401);
  Check otherUser;
  otherUser.username = "srv1:someoneelse";
  auto b2 = makeCheck(otherUser);
  CHECK(ice.handle(*StunMessage::parse(b2), addr("10.0.0.1:1"), out, 1).outcome ==
        IceLiteServer::Outcome::Unauthorized);
  CHECK_FALSE(ice.connected());
  CHECK_FALSE(ice.isVerified(addr("10.0.0.1:1")));
}

TEST_CASE("missing PRIORITY is 400 and missing FINGERPRINT is ignored") {
  IceLiteServer ice("srv1", "server-password-0123456789", "brw1");
  std::array<uint8_t, IceLiteServer::kMaxResponse> out{};
  Check noPriority;
  noPriority.priority = false;
  auto b1 = makeCheck(noPriority);
  CHECK(ice.handle(*StunMessage::parse(b1), addr("10.0.0.1:1"), out, 1).outcome ==
        IceLiteServer::Outcome::BadRequest);
  Check noFp;
  noFp.fingerprint = false;
  auto b2 = makeCheck(noFp);
  auto r = ice.handle(*StunMessage::parse(b2), addr("10.0.0.1:1"), out, 1);
  CHECK(r.outcome == IceLiteServer::Outcome::Ignored);
  CHECK(r.responseSize == 0);
}

TEST_CASE("a controlled peer gets 487 Role Conflict") {
  IceLiteServer ice("srv1", "server-password-0123456789", "brw1");
  std::array<uint8_t, IceLiteServer::kMaxResponse> out{};
  Check c;
  c.controlled = true;
  auto b = makeCheck(c);
  auto r = ice.handle(*StunMessage::parse(b), addr("10.0.0.1:1"), out, 1);
  CHECK(r.outcome == IceLiteServer::Outcome::RoleConflict);
  CHECK(StunMessage::parse(std::span<const uint8_t>(out.data(), r.responseSize))->errorCode() ==
        487);
  CHECK_FALSE(ice.connected());
}

TEST_CASE("USE-CANDIDATE moves the media path") {
  IceLiteServer ice("srv1", "server-password-0123456789", "brw1");
  std::array<uint8_t, IceLiteServer::kMaxResponse> out{};
  auto plain = makeCheck({});
  const auto a = addr("192.168.1.5:4000");
  const auto b = addr("127.0.0.1:4001");
  ice.handle(*StunMessage::parse(plain), a, out, 1);
  REQUIRE(ice.selected());
  CHECK(*ice.selected() == a);
  // A second verified path without nomination does not steal the selection…
  auto r = ice.handle(*StunMessage::parse(plain), b, out, 2);
  CHECK_FALSE(r.selectedChanged);
  CHECK(*ice.selected() == a);
  CHECK(ice.isVerified(b));
  // …a nominating check does.
  Check nom;
  nom.useCandidate = true;
  auto nb = makeCheck(nom);
  r = ice.handle(*StunMessage::parse(nb), b, out, 3);
  CHECK(r.selectedChanged);
  CHECK(*ice.selected() == b);
}
