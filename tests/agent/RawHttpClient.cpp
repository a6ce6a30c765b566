#include "RawHttpClient.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace parley::test {

RawHttpClient::RawHttpClient(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
}

RawHttpClient::~RawHttpClient() {
  closeNow();
}

void RawHttpClient::send(const std::string& bytes) {
  REQUIRE(::write(fd_, bytes.data(), bytes.size()) == ssize_t(bytes.size()));
}

void RawHttpClient::get(const std::string& path, const std::string& extraHeaders) {
  send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
       extraHeaders + "\r\n");
}

bool RawHttpClient::waitFor(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (data_.find(text) == std::string::npos)
    if (eof_ || !readSome(deadline)) return false;
  return true;
}

bool RawHttpClient::waitEof(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!eof_)
    if (!readSome(deadline)) return eof_;
  return true;
}

void RawHttpClient::readFor(std::chrono::milliseconds d) {
  const auto deadline = Clock::now() + d;
  while (!eof_ && readSome(deadline)) {
  }
}

size_t RawHttpClient::count(const std::string& text) const {
  size_t n = 0;
  for (size_t at = data_.find(text); at != std::string::npos; at = data_.find(text, at + 1)) ++n;
  return n;
}

std::string RawHttpClient::body() const {
  auto at = data_.find("\r\n\r\n");
  return at == std::string::npos ? "" : data_.substr(at + 4);
}

void RawHttpClient::closeNow() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawHttpClient::readSome(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0 || fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buf[8192];
  ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  data_.append(buf, static_cast<size_t>(n));
  return true;
}

}  // namespace parley::test
