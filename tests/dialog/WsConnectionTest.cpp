#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dialog/net/WsClientContext.hpp"
#include "dialog/net/WsConnection.hpp"
#include "tests/dialog/TestLoop.hpp"
#include "tests/dialog/WsTestServer.hpp"

using namespace parley::dialog;
using namespace parley::dialog::test;

namespace {
/// Echoes text; "close <code> <reason>" closes with that code and reason (RFC 6455 §5.5.1),
/// "drop" cuts TCP, "burst <n>" sends n messages then closes 1000.
struct Peer : WsTestHandler {
  std::mutex mutex;
  int peerCode = 0;  ///< the client's close code, as this server received it
  std::string peerReason;
  bool closed = false;
  void onPeerClose(WsTestConn&, uint16_t code, std::string_view reason) override {
    std::lock_guard l(mutex);
    peerCode = code;
    peerReason = reason;
  }
  void onClosed(WsTestConn&) override {
    std::lock_guard l(mutex);
    closed = true;
  }
  void onText(WsTestConn& c, std::string_view text) override {
    std::string t(text);
    if (t.starts_with("close ")) {
      size_t sp = t.find(' ', 6);
      uint16_t code = static_cast<uint16_t>(std::stoi(t.substr(6, sp - 6)));
      c.close(code, sp == std::string::npos ? "" : t.substr(sp + 1));
    } else if (t == "drop") {
      c.drop();
    } else if (t.starts_with("burst ")) {
      int n = std::stoi(t.substr(6));
      for (int i = 0; i < n; ++i) c.sendText("m" + std::to_string(i));
      c.close(1000, "done");
    } else {
      c.sendText(t);
    }
  }
};

struct Client : WsListener {
  bool opened = false;
  std::vector<std::string> texts;
  std::optional<WsCloseInfo> closed;
  void onWsOpen(const HttpHeaders&) override { opened = true; }
  void onWsText(std::string_view t) override { texts.emplace_back(t); }
  void onWsBinary(std::span<const uint8_t>) override {}
  void onWsClosed(const WsCloseInfo& info) override { closed = info; }
};

struct Fixture {
  Peer peer;
  WsTestServer server{peer};
  TestLoop loop;
  std::unique_ptr<WsClientContext> ctx = std::make_unique<WsClientContext>(loop.get());
  Client client;
  std::unique_ptr<WsConnection> ws = std::make_unique<WsConnection>(*ctx, client);
  void open() {
    WsConnectOptions o;
    o.url = server.url("/x");
    ws->connect(std::move(o));
    REQUIRE(loop.runUntil([&] { return client.opened || client.closed; }));
    REQUIRE(client.opened);
  }
  ~Fixture() {
    ws.reset();
    ctx->shutdown();
    loop.runUntil([&] { return ctx->closed(); });
  }
};
}  // namespace

TEST_CASE("ws: the peer's close code and reason reach the listener") {
  struct Case {
    uint16_t code;
    const char* reason;
  };
  for (const Case& c : {Case{1008, "DATA-0000"}, Case{1011, "NET-0001"}, Case{1000, ""},
                        Case{4001, "custom application code"}}) {
    CAPTURE(c.code);
    Fixture f;
    f.open();
    f.ws->sendText("close " + std::to_string(c.code) + " " + c.reason);
    REQUIRE(f.loop.runUntil([&] { return f.client.closed.has_value(); }));
    CHECK(f.client.closed->opened);
    CHECK(f.client.closed->closeCode == c.code);
    CHECK(f.client.closed->reason == c.reason);
    CHECK_FALSE(f.client.closed->byUs);
    CHECK_FALSE(f.ws->active());
  }
}

TEST_CASE("ws: messages sent before the peer's close are all delivered first") {
  Fixture f;
  f.open();
  f.ws->sendText("burst 20");
  REQUIRE(f.loop.runUntil([&] { return f.client.closed.has_value(); }));
  CHECK(f.client.texts.size() == 20);
  CHECK(f.client.texts.back() == "m19");
  CHECK(f.client.closed->closeCode == 1000);
  CHECK(f.client.closed->reason == "done");
}

TEST_CASE("ws: a TCP drop without a close frame is 1006") {
  Fixture f;
  f.open();
  f.ws->sendText("drop");
  REQUIRE(f.loop.runUntil([&] { return f.client.closed.has_value(); }));
  CHECK(f.client.closed->opened);
  CHECK(f.client.closed->closeCode == 1006);
  CHECK_FALSE(f.client.closed->byUs);
}

TEST_CASE("ws: our own close sends a close frame the peer reads and reports byUs") {
  Fixture f;
  f.open();
  f.ws->sendText("hello");
  f.ws->close(4002, "bye");
  REQUIRE(f.loop.runUntil([&] { return f.client.closed.has_value(); }));
  CHECK(f.client.closed->byUs);
  CHECK(f.client.closed->closeCode == 4002);
  auto peerSaw = [&] {
    std::lock_guard l(f.peer.mutex);
    return f.peer.closed;
  };
  REQUIRE(f.loop.runUntil(peerSaw));
  std::lock_guard l(f.peer.mutex);
  CHECK(f.peer.peerCode == 4002);  // a real close frame, not a TCP drop
  CHECK(f.peer.peerReason == "bye");
}
