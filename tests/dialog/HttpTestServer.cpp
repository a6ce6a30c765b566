#include "tests/dialog/HttpTestServer.hpp"

#include <algorithm>
#include <cctype>
#include <future>
#include <list>

#include "core/SocketAddress.hpp"
#include "core/TcpListener.hpp"
#include "core/Timer.hpp"

namespace parley::dialog::test {

std::string HttpTestRequest::header(const std::string& lowerName) const {
  for (const auto& [k, v] : headers)
    if (k == lowerName) return v;
  return {};
}

namespace {
std::string statusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}
}  // namespace

struct HttpTestServer::Impl {
  struct Conn {
    std::unique_ptr<core::TcpConnection> tcp;
    std::string in;
    bool answered = false;
    HttpTestResponse response;
    size_t next = 0;
    std::unique_ptr<core::Timer> timer;
  };

  Handler handler;
  core::LoopThread thread{"http-test"};
  std::unique_ptr<core::TcpListener> listener;
  std::list<Conn> conns;
  mutable std::mutex mutex;
  std::vector<HttpTestRequest> requests;

  void onData(Conn& c, std::span<const uint8_t> bytes) {
    if (c.answered) return;
    c.in.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    size_t headEnd = c.in.find("\r\n\r\n");
    if (headEnd == std::string::npos) return;
    HttpTestRequest req;
    std::string head = c.in.substr(0, headEnd);
    size_t lineEnd = head.find("\r\n");
    std::string first = head.substr(0, lineEnd);
    size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
    req.method = first.substr(0, sp1);
    req.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
    size_t contentLength = 0;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      pos = e + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(value.begin());
      if (name == "content-length") contentLength = std::stoul(value);
      req.headers.emplace_back(name, value);
    }
    if (c.in.size() < headEnd + 4 + contentLength) return;
    req.body = c.in.substr(headEnd + 4, contentLength);
    c.answered = true;
    {
      std::lock_guard lock(mutex);
      requests.push_back(req);
    }
    c.response = handler(req);
    std::string out = "HTTP/1.1 " + std::to_string(c.response.status) + " " +
                      statusText(c.response.status) + "\r\n";
    for (const auto& [k, v] : c.response.headers) out += k + ": " + v + "\r\n";
    out += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    write(c, out);
    c.timer = std::make_unique<core::Timer>(thread.loop(), [this, &c] { step(c); });
    step(c);
  }

  void write(Conn& c, const std::string& s) {
    c.tcp->write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }

  /// Writes the pieces due now; schedules the next delayed one.
  void step(Conn& c) {
    while (c.next < c.response.pieces.size()) {
      auto& piece = c.response.pieces[c.next];
      if (piece.delayMs > 0) {
        uint64_t d = piece.delayMs;
        piece.delayMs = 0;
        c.timer->start(d);
        return;
      }
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", piece.bytes.size());
      if (!piece.bytes.empty()) write(c, size + piece.bytes + "\r\n");
      ++c.next;
    }
    switch (c.response.ending) {
      case HttpTestResponse::Ending::Complete:
        write(c, "0\r\n\r\n");
        c.tcp->close();
        break;
      case HttpTestResponse::Ending::Cut:
        c.tcp->close();
        break;
      case HttpTestResponse::Ending::Hang:
        break;
    }
  }
};

HttpTestServer::HttpTestServer(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  std::promise<uint16_t> port;
  impl_->thread.post([this, &port] {
    Impl& s = *impl_;
    s.listener = std::make_unique<core::TcpListener>(
        s.thread.loop(), [&s](std::unique_ptr<core::TcpConnection> tcp) {
          s.conns.push_back(Impl::Conn{});
          Impl::Conn& c = s.conns.back();
          c.tcp = std::move(tcp);
          c.tcp->start([&s, &c](std::span<const uint8_t> b) { s.onData(c, b); }, [] {});
        });
    s.listener->listen(*core::SocketAddress::parse("127.0.0.1:0"));
    port.set_value(s.listener->localAddress().port());
  });
  port_ = port.get_future().get();
}

HttpTestServer::~HttpTestServer() {
  std::promise<void> done;
  impl_->thread.post([this, &done] {
    for (auto& c : impl_->conns) {
      c.timer.reset();
      c.tcp->close();
    }
    impl_->listener->close();
    done.set_value();
  });
  done.get_future().wait();
  impl_->thread.stop();
  impl_->conns.clear();
}

std::vector<HttpTestRequest> HttpTestServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

}  // namespace parley::dialog::test
