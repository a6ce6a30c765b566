#include <doctest/doctest.h>

#include "agent/webhooks/WebhookSignature.hpp"

using namespace parley;
using namespace std::chrono;

TEST_CASE("HMAC-SHA256 matches RFC 4231 and signatures verify only untouched and in time") {
  // RFC 4231 test case 2.
  CHECK(agent::hmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string body = R"({"id":"evt_1","type":"call.ended"})";
  auto now = system_clock::time_point(seconds(1763697000));
  std::string h = agent::signatureHeader("s3cret", 1763697000, body);
  CHECK(h.rfind("t=1763697000,v1=", 0) == 0);
  CHECK(agent::verifySignature("s3cret", h, body, now));
  CHECK(agent::verifySignature("s3cret", h, body, now + minutes(5)));
  CHECK_FALSE(agent::verifySignature("s3cret", h, body, now + minutes(6)));  // replay window
  CHECK_FALSE(agent::verifySignature("other", h, body, now));
  CHECK_FALSE(agent::verifySignature("s3cret", h, body + " ", now));
  std::string forged = h;
  forged[4] = forged[4] == '1' ? '2' : '1';  // another timestamp, same mac
  CHECK_FALSE(agent::verifySignature("s3cret", forged, body, now));
  CHECK_FALSE(agent::verifySignature("s3cret", "", body, now));
  CHECK_FALSE(agent::verifySignature("s3cret", "t=abc,v1=" + std::string(64, '0'), body, now));
  CHECK_FALSE(agent::verifySignature("s3cret", "v1=" + h.substr(h.find("v1=") + 3), body, now));
}
