#pragma once
// Maps (method, path) to a handler. Patterns are literal segments and `{name}` parameters
// ("/whip/{tenant}/{session}"). No match on the path → 404; path matches but not the method →
// 405 with an Allow header (RFC 9110 §15.5.6). Handlers that throw get a 500 here, at the one
// boundary, so a bug in one route never takes the server down.
#include <functional>
#include <string>
#include <vector>

#include "agent/http/HttpTypes.hpp"

namespace parley::agent {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  /// Registers a route. Later routes never shadow earlier ones with the same pattern+method.
  void add(HttpMethod method, std::string pattern, HttpHandler handler);
  /// Finds the route, fills `request.params`, runs the handler. Never throws.
  HttpResponse dispatch(HttpRequest& request) const;
  /// True if some route's pattern matches `path` (any method) — lets the server refuse a body
  /// for an unknown path before reading it.
  bool knowsPath(const std::string& path) const;

 private:
  struct Route {
    HttpMethod method;
    std::vector<std::string> segments;
    HttpHandler handler;
  };
  static bool match(const Route& r, const std::vector<std::string>& segs,
                    std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

/// Splits "/a/b/" into {"a","b"}; empty segments are dropped.
std::vector<std::string> splitPath(const std::string& path);

}  // namespace parley::agent
