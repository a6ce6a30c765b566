#pragma once
// Test helper: a plain TCP client on loopback that sends raw HTTP/1.1 and reads the response as
// bytes arrive, so streamed responses (SSE, chunked) can be checked piece by piece — what a
// buffering HTTP library such as libcurl's easy interface cannot show.
#include <chrono>
#include <string>

namespace parley::test {

class RawHttpClient {
 public:
  using Clock = std::chrono::steady_clock;
  /// Connects to 127.0.0.1:`port`; fails the current doctest test case if it cannot.
  explicit RawHttpClient(int port);
  ~RawHttpClient();
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

  /// Writes `bytes` as they are (a REQUIRE fails on a short write).
  void send(const std::string& bytes);
  /// Sends `GET path` asking for an event stream; `extraHeaders` are whole "Name: value\r\n" lines.
  void get(const std::string& path, const std::string& extraHeaders = "");
  /// Reads until `text` has arrived; false on EOF or timeout first.
  bool waitFor(const std::string& text,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  /// Reads until the server closes; true if it did before the timeout.
  bool waitEof(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  /// Reads whatever arrives during `d`.
  void readFor(std::chrono::milliseconds d);
  /// How many times `text` occurs in what has arrived.
  size_t count(const std::string& text) const;
  /// Everything received so far (status line and headers included).
  const std::string& data() const { return data_; }
  /// What follows the header block ("" before it has arrived).
  std::string body() const;
  /// Closes the socket now (the server sees the client go away).
  void closeNow();

 private:
  bool readSome(Clock::time_point deadline);
  int fd_ = -1;
  std::string data_;
  bool eof_ = false;
};

}  // namespace parley::test
