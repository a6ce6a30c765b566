#include "agent/http/Router.hpp"

#include <exception>

#include "core/Log.hpp"

namespace parley::agent {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

void Router::add(HttpMethod method, std::string pattern, HttpHandler handler) {
  routes_.push_back(Route{method, splitPath(pattern), std::move(handler)});
}

bool Router::match(const Route& r, const std::vector<std::string>& segs,
                   std::map<std::string, std::string>* params) {
  if (r.segments.size() != segs.size()) return false;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& p = r.segments[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (params) (*params)[p.substr(1, p.size() - 2)] = segs[i];
    } else if (p != segs[i]) {
      return false;
    }
  }
  return true;
}

bool Router::knowsPath(const std::string& path) const {
  auto segs = splitPath(path);
  for (const auto& r : routes_)
    if (match(r, segs, nullptr)) return true;
  return false;
}

HttpResponse Router::dispatch(HttpRequest& request) const {
  auto segs = splitPath(request.path);
  std::string allow;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r, segs, &params)) continue;
    bool methodOk = r.method == request.method ||
                    (request.method == HttpMethod::Head && r.method == HttpMethod::Get);
    if (!methodOk) {
      allow += (allow.empty() ? "" : ", ") + std::string(methodName(r.method));
      continue;
    }
    request.params = std::move(params);
    try {
      return r.handler(request);
    } catch (const std::exception& e) {
      core::Logger("http").error("handler for {} {} failed: {}", methodName(request.method),
                                 request.path, e.what());
      return HttpResponse::error(500, "internal error");
    }
  }
  if (!allow.empty()) {
    HttpResponse r = HttpResponse::error(405, "method not allowed");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  return HttpResponse::error(404, "not found");
}

}  // namespace parley::agent
