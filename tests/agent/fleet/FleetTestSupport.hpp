#pragma once
// Helpers shared by the fleet tests (issue 10): run code on a LoopThread and wait, poll a
// condition with a deadline, and pick a free loopback port.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "core/LoopThread.hpp"

namespace parley::test {

/// Runs `f` on `loop`'s thread and waits until it returned.
template <typename F>
void onLoop(core::LoopThread& loop, F&& f) {
  std::promise<void> done;
  loop.post([&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

/// Polls `pred` every 20 ms until it holds or `timeout` passed; returns its last value.
inline bool waitFor(const std::function<bool()>& pred,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

/// True if `secret` occurs in `text` as a whole token — not inside a longer word such as
/// "secret_env" — which is how a leaked password shows in a log line ("password":"secret").
inline bool containsToken(const std::string& text, const std::string& secret) {
  auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  };
  for (auto p = text.find(secret); p != std::string::npos; p = text.find(secret, p + 1)) {
    bool before = p > 0 && word(text[p - 1]);
    bool after = p + secret.size() < text.size() && word(text[p + secret.size()]);
    if (!before && !after) return true;
  }
  return false;
}

/// A port on 127.0.0.1 that was free a moment ago (`type`: SOCK_STREAM or SOCK_DGRAM).
inline int freeLoopbackPort(int type) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

/// A loopback port free for UDP and TCP at once (a SIP listener binds both); the kernel may
/// still hand it to someone else before the worker binds it, so callers retry on EADDRINUSE.
inline int freeSipPort() {
  for (;;) {
    const int port = freeLoopbackPort(SOCK_DGRAM);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    const bool tcpFree = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (tcpFree) return port;
  }
}

}  // namespace parley::test
