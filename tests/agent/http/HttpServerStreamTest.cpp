// Streamed responses of the real HttpServer (libwebsockets on a libuv loop thread), read by a
// plain TCP client on loopback: bytes arrive as they are written, keep-alives arrive on an
// idle stream, the stream ends with end(), and writers notice clients that go away.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "../RawHttpClient.hpp"
#include "agent/http/HttpServer.hpp"
#include "core/LoopThread.hpp"

using namespace parley;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// The HttpServer on its own loop thread, created and destroyed there.
class ServerOnLoop {
 public:
  explicit ServerOnLoop(agent::Router& router) : loop_("http-test") {
    std::promise<void> made;
    loop_.post([&] {
      agent::HttpServerOptions o;
      o.listen = *core::SocketAddress::fromHostPort("127.0.0.1", 0);
      server_ = std::make_unique<agent::HttpServer>(loop_.loop(), o, router);
      port_ = server_->boundAddress().port();
      made.set_value();
    });
    made.get_future().wait();
  }
  ~ServerOnLoop() {
    close();
    std::promise<void> gone;
    loop_.post([&] {
      server_.reset();
      gone.set_value();
    });
    gone.get_future().wait();
    loop_.stop();
  }
  /// HttpServer::close() on the loop, then a few loop turns for libwebsockets' handles.
  void close() {
    if (closed_) return;
    closed_ = true;
    std::promise<void> done;
    loop_.post([&] {
      server_->close();
      done.set_value();
    });
    done.get_future().wait();
    std::this_thread::sleep_for(100ms);
  }
  int port() const { return port_; }

 private:
  core::LoopThread loop_;
  std::unique_ptr<agent::HttpServer> server_;
  int port_ = 0;
  bool closed_ = false;
};

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

/// Where a stream route hands its writer to the test thread.
struct WriterSlot {
  std::mutex mutex;
  std::condition_variable cv;
  std::shared_ptr<agent::HttpStreamWriter> writer;

  std::shared_ptr<agent::HttpStreamWriter> wait() {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 3s, [&] { return writer != nullptr; });
    return writer;
  }
};

void addStreamRoute(agent::Router& router, const std::string& path, WriterSlot& slot,
                    int keepAliveMs = 15000, std::string first = "retry: 1000\n\n") {
  router.add(agent::HttpMethod::Get, path, [&slot, keepAliveMs, first](const agent::HttpRequest&) {
    agent::HttpResponse r = agent::HttpResponse::text(200, first, "text/event-stream");
    r.headers.emplace_back("Cache-Control", "no-store");
    r.keepAlive = ": keep-alive\n\n";
    r.keepAliveMs = keepAliveMs;
    r.stream = [&slot](std::shared_ptr<agent::HttpStreamWriter> w) {
      std::lock_guard lock(slot.mutex);
      slot.writer = std::move(w);
      slot.cv.notify_all();
    };
    return r;
  });
}

}  // namespace

TEST_CASE("a streamed response reaches the client as it is written and ends with end()") {
  agent::Router router;
  WriterSlot slot;
  addStreamRoute(router, "/events", slot);
  router.add(agent::HttpMethod::Get, "/plain", [](const agent::HttpRequest&) {
    return agent::HttpResponse::text(200, "plain body");
  });
  ServerOnLoop server(router);

  test::RawHttpClient c(server.port());
  c.get("/events");
  REQUIRE(c.waitFor("retry: 1000\n\n"));
  CHECK(c.data().rfind("HTTP/1.1 200", 0) == 0);
  const std::string head = lower(c.data().substr(0, c.data().find("\r\n\r\n")));
  CHECK(head.find("content-type: text/event-stream") != std::string::npos);
  CHECK(head.find("content-length") == std::string::npos);
  CHECK(head.find("cache-control: no-store") != std::string::npos);
  auto w = slot.wait();
  REQUIRE(w);

  // Each event is on the wire well before the next is written (no buffering until the end).
  double worstMs = 0;
  for (int i = 1; i <= 5; ++i) {
    const std::string ev =
        "id: " + std::to_string(i) + "\nevent: tick\ndata: {\"n\":" + std::to_string(i) + "}\n\n";
    const auto t0 = Clock::now();
    std::thread producer([&] { CHECK(w->write(ev)); });  // from another thread, as sessions do
    producer.join();
    REQUIRE(c.waitFor(ev, 2000ms));
    worstMs =
        std::max(worstMs, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    std::this_thread::sleep_for(50ms);
  }
  MESSAGE("worst write-to-read latency over loopback: " << worstMs << " ms");
  CHECK(worstMs < 500);

  // Plain responses still work while a stream is open.
  test::RawHttpClient plain(server.port());
  plain.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(plain.waitFor("plain body"));

  w->write("event: bye\ndata: {}\n\n");
  w->end();
  CHECK(w->closed());
  CHECK_FALSE(w->write("late"));
  REQUIRE(c.waitEof());
  CHECK(c.body().size() > 0);
  CHECK(c.body().substr(c.body().size() - 21) == "event: bye\ndata: {}\n\n");
  CHECK(c.data().find("late") == std::string::npos);
}

TEST_CASE("an idle stream gets keep-alive comments at its interval") {
  agent::Router router;
  WriterSlot slot;
  addStreamRoute(router, "/idle", slot, 100);
  ServerOnLoop server(router);
  test::RawHttpClient c(server.port());
  c.get("/idle");
  REQUIRE(c.waitFor("retry: 1000"));
  c.readFor(650ms);
  const size_t n = c.count(": keep-alive\n\n");
  MESSAGE("keep-alives in 650 ms at 100 ms: " << n);
  CHECK(n >= 4);
  CHECK(n <= 8);
}

TEST_CASE("a writer turns closed when its client goes away or the server closes") {
  agent::Router router;
  WriterSlot a, b;
  addStreamRoute(router, "/a", a);
  addStreamRoute(router, "/b", b);
  ServerOnLoop server(router);

  test::RawHttpClient ca(server.port());
  ca.get("/a");
  REQUIRE(ca.waitFor("retry:"));
  auto wa = a.wait();
  REQUIRE(wa);
  ca.closeNow();
  bool noticed = false;
  for (int i = 0; i < 200 && !noticed; ++i) {
    noticed = !wa->write("data: x\n\n");
    std::this_thread::sleep_for(10ms);
  }
  CHECK(noticed);
  CHECK(wa->closed());

  test::RawHttpClient cb(server.port());
  cb.get("/b");
  REQUIRE(cb.waitFor("retry:"));
  auto wb = b.wait();
  REQUIRE(wb);
  server.close();
  CHECK(cb.waitEof());
  CHECK(wb->closed());
  CHECK_FALSE(wb->write("data: after close\n\n"));
  wb->end();  // harmless after close
}

TEST_CASE("a client that does not read is cut off past the backlog bound") {
  agent::Router router;
  WriterSlot slot;
  addStreamRoute(router, "/slow", slot);
  ServerOnLoop server(router);
  test::RawHttpClient c(server.port());
  c.get("/slow");
  REQUIRE(c.waitFor("retry:"));
  auto w = slot.wait();
  REQUIRE(w);
  // The kernel's socket buffers take a few MiB, then the backlog grows past its bound.
  const std::string chunk(64 * 1024, 'x');
  size_t written = 0;
  bool refused = false;
  const auto deadline = Clock::now() + 10s;
  while (!refused && Clock::now() < deadline) {
    if (w->write(chunk))
      written += chunk.size();
    else
      refused = true;
  }
  MESSAGE("accepted before refusing: " << written / 1024 << " KiB");
  CHECK(refused);
  CHECK(w->closed());
}

TEST_CASE("streams take writes from many threads in order per thread") {
  agent::Router router;
  WriterSlot slot;
  addStreamRoute(router, "/many", slot);
  ServerOnLoop server(router);
  test::RawHttpClient c(server.port());
  c.get("/many");
  REQUIRE(c.waitFor("retry:"));
  auto w = slot.wait();
  REQUIRE(w);
  constexpr int kThreads = 4, kLines = 300;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t)
    producers.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i)
        w->write("data: t" + std::to_string(t) + " " + std::to_string(i) + "\n\n");
    });
  for (auto& p : producers) p.join();
  w->end();
  REQUIRE(c.waitEof(5000ms));
  for (int t = 0; t < kThreads; ++t) {
    size_t at = 0;
    bool inOrder = true;
    for (int i = 0; i < kLines && inOrder; ++i) {
      at = c.body().find("data: t" + std::to_string(t) + " " + std::to_string(i) + "\n", at);
      inOrder = at != std::string::npos;
    }
    CHECK_MESSAGE(inOrder, "thread " << t);
  }
  CHECK(c.count("data: t") == size_t(kThreads * kLines));
}
