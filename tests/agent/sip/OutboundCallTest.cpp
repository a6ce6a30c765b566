#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/sip/OutboundCall.hpp"
#include "core/Error.hpp"

using parley::agent::CallProgressBook;
using parley::agent::DialRequest;
using parley::agent::progressEventForStatus;

TEST_CASE("a dial request with every field parses and normalises the number") {
  auto r = DialRequest::parse(
      R"({"tenant":"demo","to":"+1 (555) 123-4567","context":{"name":"Ada"},"trunk":"twilio",)"
      R"("ring_timeout_s":20})");
  CHECK(r.tenant == "demo");
  CHECK(r.to == "+15551234567");
  CHECK(r.contextJson == R"({"name":"Ada"})");
  CHECK(r.trunk == "twilio");
  CHECK(r.ringTimeoutS == 20);
  auto back = DialRequest::parse(r.toJson());
  CHECK(back.to == r.to);
  CHECK(back.contextJson == r.contextJson);
  CHECK(back.ringTimeoutS == 20);
}

TEST_CASE("a minimal dial request gets the defaults") {
  auto r = DialRequest::parse(R"({"tenant":"demo","to":"+15551234567"})");
  CHECK(r.contextJson.empty());
  CHECK(r.trunk.empty());
  CHECK(r.ringTimeoutS == DialRequest::kDefaultRingTimeoutS);
}

TEST_CASE("bad dial requests are refused with the field named") {
  auto refused = [](const char* body, const char* word) {
    try {
      DialRequest::parse(body);
      FAIL("accepted: " << body);
    } catch (const parley::core::UsageError& e) {
      CHECK_MESSAGE(std::string(e.what()).find(word) != std::string::npos, e.what());
    }
  };
  refused("not json", "JSON object");
  refused("[1,2]", "JSON object");
  refused(R"({"to":"+15551234567"})", "tenant");
  refused(R"({"tenant":"demo"})", "\"to\"");
  refused(R"({"tenant":"demo","to":"call me"})", "phone number");
  refused(R"({"tenant":"demo","to":5551234567})", "string");
  refused(R"({"tenant":"demo","to":"+15551234567","context":"Ada"})", "context");
  refused(R"({"tenant":"demo","to":"+15551234567","ring_timeout_s":0})", "ring_timeout_s");
  refused(R"({"tenant":"demo","to":"+15551234567","ring_timeout_s":"30"})", "ring_timeout_s");
  std::string big = R"({"tenant":"demo","to":"+15551234567","context":{"notes":")" +
                    std::string(DialRequest::kMaxContextBytes, 'x') + "\"}}";
  refused(big.c_str(), "larger");
}

TEST_CASE("final SIP statuses map to progress events") {
  CHECK(std::string(progressEventForStatus(486)) == "busy");
  CHECK(std::string(progressEventForStatus(603)) == "busy");
  CHECK(std::string(progressEventForStatus(487)) == "no_answer");
  CHECK(std::string(progressEventForStatus(408)) == "no_answer");
  CHECK(std::string(progressEventForStatus(404)) == "failed");
  CHECK(std::string(progressEventForStatus(503)) == "failed");
}

TEST_CASE("the progress book keeps events once each and forgets the oldest calls") {
  CallProgressBook book;
  book.start("c1", "demo", "+15551234567");
  CHECK(book.add("c1", {"ringing", 180, "Ringing"}));
  CHECK_FALSE(book.add("c1", {"ringing", 183, "Session Progress"}));
  CHECK(book.add("c1", {"answered", 200, "OK"}));
  CHECK_FALSE(book.add("nope", {"ringing", 180, ""}));
  auto j = nlohmann::json::parse(*book.json("c1"));
  CHECK(j["state"] == "answered");
  REQUIRE(j["events"].size() == 3);
  CHECK(j["events"][0]["event"] == "dialing");
  CHECK(j["events"][1]["sip_status"] == 180);
  CHECK(j["tenant"] == "demo");
  CHECK_FALSE(book.json("nope"));
  for (size_t i = 0; i < CallProgressBook::kMaxCalls; ++i)
    book.start("x" + std::to_string(i), "demo", "+1");
  CHECK_FALSE(book.json("c1"));
  CHECK(book.json("x0"));
}
