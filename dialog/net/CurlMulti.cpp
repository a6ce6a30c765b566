#include "dialog/net/CurlMulti.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>

#include "core/Error.hpp"

namespace parley::dialog {

namespace {
constexpr size_t kMaxHeaderBytes = 64 * 1024;  // response headers; a real one is < 4 KiB

CURLM* M(void* p) {
  return static_cast<CURLM*>(p);
}

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}
}  // namespace

struct HttpTransfer::Easy {
  CurlMulti* multi = nullptr;
  CURL* curl = nullptr;
  HttpListener* listener = nullptr;
  HttpTransfer* owner = nullptr;
  curl_slist* headerList = nullptr;
  std::string body;
  HttpHeaders headers;
  size_t headerBytes = 0;
  int status = 0;
  bool responseReported = false;
  bool cancelled = false;
  bool failedToStart = false;
  char errorBuffer[CURL_ERROR_SIZE] = {};

  void reportResponse() {
    if (responseReported || !listener) return;
    responseReported = true;
    listener->onHttpResponse(status, headers);
  }
};

struct CurlMulti::Socket {
  uv_poll_t poll;  // first member: the close callback casts the handle back
  CurlMulti* multi;
  curl_socket_t fd;
};

std::string_view findHeader(const HttpHeaders& headers, std::string_view lowerName) {
  for (const auto& [k, v] : headers)
    if (k == lowerName) return v;
  return {};
}

void HttpTransfer::cancel() {
  if (easy_ && multi_) multi_->cancel(easy_);
  easy_ = nullptr;
}

CurlMulti::CurlMulti(uv_loop_t* loop)
    : loop_(loop),
      timer_(loop, [this] { socketAction(CURL_SOCKET_TIMEOUT, 0); }),
      deferred_(loop, [this] { flushDeferred(); }) {
  globalInit();
  multi_ = curl_multi_init();
  if (!multi_) throw core::SystemError("curl_multi_init failed", 0);
  curl_multi_setopt(M(multi_), CURLMOPT_SOCKETFUNCTION, &CurlMulti::onSocket);
  curl_multi_setopt(M(multi_), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(M(multi_), CURLMOPT_TIMERFUNCTION, &CurlMulti::onTimerRequest);
  curl_multi_setopt(M(multi_), CURLMOPT_TIMERDATA, this);
}

CurlMulti::~CurlMulti() {
  for (auto* e : std::vector<HttpTransfer::Easy*>(easies_)) {
    if (e->owner) e->owner->easy_ = nullptr;
    e->owner = nullptr;
    destroyEasy(e);
  }
  for (auto* e : doomed_) destroyEasy(e);
  doomed_.clear();
  curl_multi_cleanup(M(multi_));  // may call onSocket(REMOVE) for cached connections
}

std::unique_ptr<HttpTransfer> CurlMulti::start(const HttpRequest& request, HttpListener& listener) {
  auto* e = new HttpTransfer::Easy();
  e->multi = this;
  e->listener = &listener;
  e->body = request.body;
  e->curl = curl_easy_init();
  std::unique_ptr<HttpTransfer> handle(new HttpTransfer(*this, e));
  e->owner = handle.get();
  easies_.push_back(e);
  if (!e->curl) {
    e->failedToStart = true;
    std::snprintf(e->errorBuffer, sizeof(e->errorBuffer), "curl_easy_init failed");
    deferred_.start(0);
    return handle;
  }
  CURL* c = e->curl;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PRIVATE, e);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, e->errorBuffer);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connectTimeoutMs));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.totalTimeoutMs));
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, request.verifyTls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, request.verifyTls ? 2L : 0L);
  for (const auto& h : request.headers) e->headerList = curl_slist_append(e->headerList, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->headerList);
  if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, e->body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(e->body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(
      c, CURLOPT_HEADERFUNCTION, +[](char* p, size_t, size_t n, void* ud) -> size_t {
        auto* ez = static_cast<HttpTransfer::Easy*>(ud);
        if (ez->cancelled) return 0;
        ez->headerBytes += n;
        if (ez->headerBytes > kMaxHeaderBytes) return 0;
        std::string_view line(p, n);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (line.starts_with("HTTP/")) {  // a new response (after 1xx or a redirect)
          ez->headers.clear();
          size_t sp = line.find(' ');
          ez->status = 0;
          for (size_t i = sp + 1; sp != std::string_view::npos && i < line.size() && i < sp + 4;
               ++i)
            if (line[i] >= '0' && line[i] <= '9') ez->status = ez->status * 10 + (line[i] - '0');
          return n;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return n;
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
          value.remove_prefix(1);
        ez->headers.emplace_back(std::move(name), std::string(value));
        return n;
      });
  curl_easy_setopt(c, CURLOPT_HEADERDATA, e);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t, size_t n, void* ud) -> size_t {
        auto* ez = static_cast<HttpTransfer::Easy*>(ud);
        if (ez->cancelled || !ez->listener) return 0;
        ez->reportResponse();
        if (ez->cancelled || !ez->listener) return 0;
        ez->listener->onHttpData(std::span<const uint8_t>(reinterpret_cast<uint8_t*>(p), n));
        return ez->cancelled ? 0 : n;
      });
  curl_easy_setopt(c, CURLOPT_WRITEDATA, e);
  if (curl_multi_add_handle(M(multi_), c) != CURLM_OK) {
    e->failedToStart = true;
    std::snprintf(e->errorBuffer, sizeof(e->errorBuffer), "curl_multi_add_handle failed");
    deferred_.start(0);
  }
  return handle;
}

void CurlMulti::cancel(HttpTransfer::Easy* e) {
  e->listener = nullptr;
  e->owner = nullptr;
  if (e->cancelled) return;
  e->cancelled = true;
  if (callbackDepth_ > 0) {
    doomed_.push_back(e);  // curl forbids removing a handle from inside its own callback
    return;
  }
  destroyEasy(e);
}

void CurlMulti::destroyEasy(HttpTransfer::Easy* e) {
  std::erase(easies_, e);
  if (e->curl) {
    if (!e->failedToStart) curl_multi_remove_handle(M(multi_), e->curl);
    curl_easy_cleanup(e->curl);
  }
  curl_slist_free_all(e->headerList);
  delete e;
}

void CurlMulti::flushDeferred() {
  for (auto* e : std::vector<HttpTransfer::Easy*>(easies_)) {
    if (!e->failedToStart || e->cancelled) continue;
    HttpListener* l = e->listener;
    if (e->owner) e->owner->easy_ = nullptr;
    HttpListener::Done done{.curlCode = -1, .connectFailed = true, .message = e->errorBuffer};
    destroyEasy(e);
    if (l) l->onHttpDone(done);
  }
}

int CurlMulti::onSocket(void*, int fd, int what, void* userp, void* socketp) {
  auto* self = static_cast<CurlMulti*>(userp);
  auto* sock = static_cast<Socket*>(socketp);
  if (what == CURL_POLL_REMOVE) {
    if (sock) {
      uv_poll_stop(&sock->poll);
      uv_close(reinterpret_cast<uv_handle_t*>(&sock->poll),
               [](uv_handle_t* h) { delete reinterpret_cast<Socket*>(h); });
      curl_multi_assign(M(self->multi_), fd, nullptr);
    }
    return 0;
  }
  if (!sock) {
    sock = new Socket{};
    sock->multi = self;
    sock->fd = fd;
    if (uv_poll_init_socket(self->loop_, &sock->poll, fd) != 0) {
      delete sock;
      return -1;
    }
    sock->poll.data = sock;
    curl_multi_assign(M(self->multi_), fd, sock);
  }
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= UV_READABLE;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= UV_WRITABLE;
  uv_poll_start(&sock->poll, events, &CurlMulti::onPoll);
  return 0;
}

int CurlMulti::onTimerRequest(void*, long timeoutMs, void* userp) {
  auto* self = static_cast<CurlMulti*>(userp);
  if (timeoutMs < 0) {
    self->timer_.stop();
  } else {
    self->timer_.start(static_cast<uint64_t>(timeoutMs));
  }
  return 0;
}

void CurlMulti::onPoll(uv_poll_t* handle, int status, int events) {
  auto* sock = static_cast<Socket*>(handle->data);
  if (!sock) return;
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  sock->multi->socketAction(sock->fd, flags);
}

void CurlMulti::socketAction(int fd, int events) {
  int running = 0;
  ++callbackDepth_;
  curl_multi_socket_action(M(multi_), fd, events, &running);
  --callbackDepth_;
  for (auto* e : std::exchange(doomed_, {})) destroyEasy(e);
  drainMessages();
}

void CurlMulti::drainMessages() {
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(M(multi_), &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    HttpTransfer::Easy* e = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &e);
    CURLcode code = msg->data.result;
    if (!e || e->cancelled) continue;
    if (code == CURLE_OK || e->status > 0) {
      ++callbackDepth_;  // the listener may cancel from onHttpResponse
      e->reportResponse();
      --callbackDepth_;
      if (e->cancelled) {
        for (auto* d : std::exchange(doomed_, {})) destroyEasy(d);
        continue;
      }
    }
    HttpListener* l = e->listener;
    HttpListener::Done done;
    done.curlCode = static_cast<int>(code);
    done.timedOut = code == CURLE_OPERATION_TIMEDOUT;
    done.connectFailed = code != CURLE_OK && !e->responseReported;
    done.message = e->errorBuffer[0] ? e->errorBuffer : curl_easy_strerror(code);
    if (e->owner) e->owner->easy_ = nullptr;
    destroyEasy(e);
    if (l) l->onHttpDone(done);
  }
}

}  // namespace parley::dialog
