#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dialog/net/SseParser.hpp"

using namespace parley::dialog;

namespace {
struct Collected {
  std::vector<std::string> data, events;
};
Collected feedSplit(const std::string& bytes, size_t every, SseParser& p) {
  Collected c;
  auto on = [&](const SseEvent& e) {
    c.data.emplace_back(e.data);
    c.events.emplace_back(e.event);
  };
  for (size_t i = 0; i < bytes.size(); i += every)
    p.feed(std::string_view(bytes).substr(i, every), on);
  return c;
}
}  // namespace

TEST_CASE("SSE: LF, CRLF and CR line ends, comments, multi-line data, split anywhere") {
  const std::string stream =
      ": comment\n\n"
      "data: {\"a\":1}\n\n"
      "data: line1\r\ndata: line2\r\n\r\n"
      "event: error\rdata:no-space\r\r"
      "data: é✓日\n\n"
      "id: 7\ndata: [DONE]\n\n";
  for (size_t every = 1; every <= stream.size(); ++every) {
    CAPTURE(every);
    SseParser p;
    auto c = feedSplit(stream, every, p);
    REQUIRE(c.data.size() == 5);
    CHECK(c.data[0] == "{\"a\":1}");
    CHECK(c.data[1] == "line1\nline2");
    CHECK(c.data[2] == "no-space");
    CHECK(c.events[2] == "error");
    CHECK(c.data[3] == "é✓日");
    CHECK(c.data[4] == "[DONE]");
    CHECK_FALSE(p.failed());
    CHECK_FALSE(p.hasPartial());
  }
}

TEST_CASE("SSE: an event without a terminating blank line is not dispatched") {
  SseParser p;
  auto c = feedSplit("data: {\"cut\":", 3, p);
  CHECK(c.data.empty());
  CHECK(p.hasPartial());
}

TEST_CASE("SSE: a line over the bound fails the parser and stays failed") {
  SseParser p(16, 64);
  auto c = feedSplit("data: 0123456789abcdef0123\n\ndata: ok\n\n", 4, p);
  CHECK(p.failed());
  CHECK(c.data.empty());
  SseParser q(64, 16);
  feedSplit("data: 0123456789\ndata: 0123456789\n\n", 5, q);
  CHECK(q.failed());
}

TEST_CASE("SSE: empty data field and field without colon") {
  SseParser p;
  auto c = feedSplit("data\n\ndata:\ndata:\n\nfoo\nretry: 10\ndata: x\n\n", 2, p);
  REQUIRE(c.data.size() == 3);
  CHECK(c.data[0] == "");
  CHECK(c.data[1] == "\n");
  CHECK(c.data[2] == "x");
}
