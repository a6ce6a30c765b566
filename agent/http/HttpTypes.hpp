#pragma once
// Plain HTTP request/response values passed between the libwebsockets server and route
// handlers, so handlers (WHIP, REST API, health) never see libwebsockets types.
#include <map>
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

struct HttpResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (Location, Allow…)

  /// `{"error":{"status":N,"message":"…"}}` with that status: the one error shape of the API.
  static HttpResponse error(int status, std::string_view message);
  /// A JSON body (already serialised) with a status.
  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body, std::string contentType = "text/plain");
};

/// Reason phrase for a status code ("Not Found"), "" for unknown codes.
std::string_view statusReason(int status);

}  // namespace parley::agent
