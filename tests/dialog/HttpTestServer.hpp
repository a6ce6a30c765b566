#pragma once
// A small HTTP/1.1 server on loopback for dialog tests, on its own LoopThread. Each request is
// answered by a scripted response: status, headers, then body pieces written with optional
// delays (chunked transfer encoding), ending cleanly, by cutting the socket mid-stream, or by
// hanging. Exact enough to stand in for OpenAI-compatible servers (tests only).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/LoopThread.hpp"

namespace parley::dialog::test {

struct HttpTestRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lowercased
  std::string body;
  std::string header(const std::string& lowerName) const;
};

struct HttpTestResponse {
  enum class Ending { Complete, Cut, Hang };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  struct Piece {
    uint64_t delayMs = 0;
    std::string bytes;
  };
  std::vector<Piece> pieces;  ///< each becomes one HTTP chunk
  Ending ending = Ending::Complete;
};

class HttpTestServer {
 public:
  using Handler = std::function<HttpTestResponse(const HttpTestRequest&)>;
  /// Listens on 127.0.0.1 with an ephemeral port. `handler` runs on the server thread.
  explicit HttpTestServer(Handler handler);
  ~HttpTestServer();
  uint16_t port() const { return port_; }
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// Requests seen so far (thread-safe copy).
  std::vector<HttpTestRequest> requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace parley::dialog::test
