#pragma once
// Plain HTTP request/response values passed between the libwebsockets server and route
// handlers, so handlers (WHIP, REST API, health) never see libwebsockets types.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::agent {

enum class HttpMethod { Get, Head, Post, Put, Patch, Delete, Options, Other };

/// "GET", "POST" … for logs and the Allow header.
std::string_view methodName(HttpMethod m);

struct HttpRequest {
  HttpMethod method = HttpMethod::Get;
  std::string path;   ///< decoded path without the query, e.g. "/whip/demo"
  std::string query;  ///< raw query string without '?', may be empty
  /// Request headers the server extracts, keyed by lower-case name (content-type, content-length,
  /// authorization, origin, accept, user-agent). Absent headers are absent keys.
  std::map<std::string, std::string> headers;
  std::string body;  ///< at most http.max_body_bytes (larger bodies are refused with 413)
  std::map<std::string, std::string> params;  ///< path parameters from the route pattern
  std::string peer;  ///< client address "ip:port" (for logs and allowlists)

  /// Header value or "" if absent. `name` is lower-case.
  const std::string& header(const std::string& name) const;
};

/// The write end of a streamed response body (Server-Sent Events, HTML Living Standard §9.2).
/// Thread-safe: producers call it from any thread (a session's media loop); the server sends
/// the bytes from its own loop thread. Implemented by HttpServer.
class HttpStreamWriter {
 public:
  virtual ~HttpStreamWriter() = default;
  /// Queues `bytes` for the client, in order. Returns false once the stream is closed (client
  /// gone, server stopping, end() called, or the client reads so slowly that more than
  /// HttpResponse::kMaxStreamBacklogBytes are waiting): the producer should drop the writer.
  virtual bool write(std::string_view bytes) = 0;
  /// Ends the response once the queued bytes are sent (the connection then closes: a streamed
  /// HTTP/1.1 body has no length). Idempotent.
  virtual void end() = 0;
  /// True once write() would return false.
  virtual bool closed() const = 0;
};

struct HttpResponse {
  /// Unsent bytes a stream may hold before the server gives up on a slow client, bytes.
  static constexpr size_t kMaxStreamBacklogBytes = 1024 * 1024;

  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (Location, Allow…)

  /// Set for a streamed body (text/event-stream): the server sends the status and headers with
  /// no Content-Length, then `body` (if any), then calls `stream` once, on its loop thread,
  /// with the writer the producer keeps. HEAD requests get the headers only.
  std::function<void(std::shared_ptr<HttpStreamWriter>)> stream;
  /// For streams: bytes the server writes after every `keepAliveMs` (ms) of the stream being
  /// open, so proxies and browsers keep an idle connection (an SSE comment, ": keep-alive\n\n").
  /// Empty = none.
  std::string keepAlive;
  int keepAliveMs = 15000;

  /// `{"error":{"status":N,"message":"…"}}` with that status: the one error shape of the API.
  static HttpResponse error(int status, std::string_view message);
  /// A JSON body (already serialised) with a status.
  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body, std::string contentType = "text/plain");
};

/// Reason phrase for a status code ("Not Found"), "" for unknown codes.
std::string_view statusReason(int status);

}  // namespace parley::agent
