#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "core/TcpListener.hpp"
#include "core/UdpSocket.hpp"

using namespace parley::core;

TEST_CASE("two UDP sockets exchange datagrams on loopback") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::vector<std::string> received;
  SocketAddress from;
  {
    UdpSocket a(&loop, [&](std::span<const uint8_t> d, const SocketAddress& f) {
      received.emplace_back(d.begin(), d.end());
      from = f;
      uv_stop(&loop);
    });
    UdpSocket b(&loop, [](std::span<const uint8_t>, const SocketAddress&) {});
    a.bind(*SocketAddress::parse("127.0.0.1:0"));
    b.bind(*SocketAddress::parse("127.0.0.1:0"));
    CHECK(a.localAddress().port() != 0);
    std::string msg = "hello rtp";
    CHECK(b.send({reinterpret_cast<const uint8_t*>(msg.data()), msg.size()}, a.localAddress()));
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(received == std::vector<std::string>{"hello rtp"});
    CHECK(from == b.localAddress());
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("sockets on one loop share the receive buffer: each datagram arrives whole and apart") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  constexpr int kSockets = 8;
  std::vector<std::vector<std::string>> received(kSockets);
  int total = 0;
  {
    std::vector<std::unique_ptr<UdpSocket>> socks;
    for (int i = 0; i < kSockets; ++i) {
      socks.push_back(std::make_unique<UdpSocket>(
          &loop, [&, i](std::span<const uint8_t> d, const SocketAddress&) {
            received[static_cast<size_t>(i)].emplace_back(d.begin(), d.end());
            if (++total == kSockets * 2) uv_stop(&loop);
          }));
      socks.back()->bind(*SocketAddress::parse("127.0.0.1:0"));
    }
    UdpSocket sender(&loop, [](std::span<const uint8_t>, const SocketAddress&) {});
    sender.bind(*SocketAddress::parse("127.0.0.1:0"));
    // A large datagram, then a short one to the same socket: no bytes of the first may leak
    // into the second.
    for (int i = 0; i < kSockets; ++i) {
      std::string big(60'000, static_cast<char>('a' + i));
      std::string small = "s" + std::to_string(i);
      const auto& to = socks[static_cast<size_t>(i)]->localAddress();
      CHECK(sender.send({reinterpret_cast<const uint8_t*>(big.data()), big.size()}, to));
      CHECK(sender.send({reinterpret_cast<const uint8_t*>(small.data()), small.size()}, to));
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    for (int i = 0; i < kSockets; ++i) {
      const auto& r = received[static_cast<size_t>(i)];
      REQUIRE(r.size() == 2);
      CHECK(r[0] == std::string(60'000, static_cast<char>('a' + i)));
      CHECK(r[1] == "s" + std::to_string(i));
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("binding a port in use throws SystemError") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    UdpSocket a(&loop, [](std::span<const uint8_t>, const SocketAddress&) {});
    a.bind(*SocketAddress::parse("127.0.0.1:0"));
    UdpSocket b(&loop, [](std::span<const uint8_t>, const SocketAddress&) {});
    CHECK_THROWS_AS(b.bind(a.localAddress()), SystemError);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("TCP listener accepts and echoes") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::string got;
  {
    std::unique_ptr<TcpConnection> server;
    TcpListener listener(&loop, [&](std::unique_ptr<TcpConnection> c) {
      server = std::move(c);
      server->start([&](std::span<const uint8_t> d) { server->write(d); }, [] {});
    });
    listener.listen(*SocketAddress::parse("127.0.0.1:0"));
    TcpConnection client(&loop);
    uv_connect_t req;
    req.data = &client;
    struct Ctx {
      TcpConnection* c;
      std::string* got;
      uv_loop_t* loop;
    } ctx{&client, &got, &loop};
    req.data = &ctx;
    auto addr = listener.localAddress();
    uv_tcp_connect(&req, client.handle(), addr.sa(), [](uv_connect_t* r, int status) {
      auto* c = static_cast<Ctx*>(r->data);
      REQUIRE(status == 0);
      c->c->start(
          [c](std::span<const uint8_t> d) {
            c->got->append(d.begin(), d.end());
            if (c->got->size() >= 4) uv_stop(c->loop);
          },
          [] {});
      const std::string ping = "ping";
      c->c->write({reinterpret_cast<const uint8_t*>(ping.data()), ping.size()});
    });
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(got == "ping");
    client.close();
    if (server) server->close();
    listener.close();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
