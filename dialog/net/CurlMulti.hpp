#pragma once
// libcurl's multi interface driven by a libuv loop (curl's documented "multi_socket" pattern,
// https://curl.se/libcurl/c/multi-uv.html): one uv_poll_t per socket curl asks about, one uv
// timer for curl's timeout. Nothing blocks the loop (curl resolves names on its own thread).
// One CurlMulti per loop thread, shared by every session's LLM and HTTP TTS streams
// (DESIGN.md §2). Loop-thread only.
#include <uv.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/Timer.hpp"

namespace parley::dialog {

/// One HTTP request. Times in ms; 0 = no limit.
struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value" lines
  std::string body;
  uint64_t connectTimeoutMs = 5000;  ///< TCP+TLS connect deadline (openai-python: 5 s)
  uint64_t totalTimeoutMs = 0;       ///< whole transfer deadline
  bool verifyTls = true;             ///< never false against a real provider
};

/// Response headers, names lowercased, in arrival order (the final response only).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;
/// First value of header `lowerName`, or "".
std::string_view findHeader(const HttpHeaders& headers, std::string_view lowerName);

/// Events of one transfer, in order: onHttpResponse once (status and headers, before any body),
/// onHttpData zero or more times, then onHttpDone exactly once — unless the transfer is
/// cancelled, after which nothing more is reported.
class HttpListener {
 public:
  virtual ~HttpListener() = default;
  virtual void onHttpResponse(int status, const HttpHeaders& headers) = 0;
  /// A piece of the (de-chunked) body, as it arrived.
  virtual void onHttpData(std::span<const uint8_t> bytes) = 0;
  /// `curlCode` is 0 on success. `timedOut` when a deadline passed; `connectFailed` when no
  /// response started (DNS, TCP, TLS). `message` is curl's error text.
  struct Done {
    int curlCode = 0;
    bool timedOut = false;
    bool connectFailed = false;
    std::string message;
  };
  virtual void onHttpDone(const Done& done) = 0;
};

class CurlMulti;

/// Handle to a running transfer, owned by whoever started it. Destroying it (or cancel()) stops
/// the transfer at once and frees curl's easy handle; no event follows.
class HttpTransfer {
 public:
  ~HttpTransfer() { cancel(); }
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;
  void cancel();
  bool active() const { return easy_ != nullptr; }

 private:
  friend class CurlMulti;
  struct Easy;
  HttpTransfer(CurlMulti& multi, Easy* easy) : multi_(&multi), easy_(easy) {}
  CurlMulti* multi_;
  Easy* easy_;  ///< owned by the CurlMulti; nulled when done or cancelled
};

class CurlMulti {
 public:
  /// Must be built on the loop's thread. Throws core::SystemError if curl cannot be set up.
  explicit CurlMulti(uv_loop_t* loop);
  /// Cancels every transfer still running (their listeners hear nothing more).
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  /// Starts a transfer; `listener` must outlive it (or the returned handle). Never blocks.
  /// A request curl refuses outright is reported through onHttpDone on the next loop turn.
  std::unique_ptr<HttpTransfer> start(const HttpRequest& request, HttpListener& listener);

  uv_loop_t* loop() const { return loop_; }
  /// Transfers currently running (for tests and the CPU bench).
  size_t activeTransfers() const { return easies_.size(); }

 private:
  friend class HttpTransfer;
  struct Socket;
  static int onSocket(void* easy, int fd, int what, void* userp, void* socketp);
  static int onTimerRequest(void* multi, long timeoutMs, void* userp);
  static void onPoll(uv_poll_t* handle, int status, int events);
  void socketAction(int fd, int events);
  void drainMessages();
  void cancel(HttpTransfer::Easy* easy);
  void destroyEasy(HttpTransfer::Easy* easy);
  void flushDeferred();

  uv_loop_t* loop_;
  void* multi_ = nullptr;  ///< CURLM*
  core::Timer timer_;
  core::Timer deferred_;  ///< runs failures of transfers curl refused to start
  std::vector<HttpTransfer::Easy*> easies_;
  std::vector<HttpTransfer::Easy*> doomed_;  ///< cancelled inside a curl callback
  int callbackDepth_ = 0;
};

}  // namespace parley::dialog
