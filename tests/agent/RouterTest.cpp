#include <doctest/doctest.h>

#include <stdexcept>

#include "agent/http/Router.hpp"

using namespace parley::agent;

namespace {
HttpRequest req(HttpMethod m, std::string path) {
  HttpRequest r;
  r.method = m;
  r.path = std::move(path);
  return r;
}
}  // namespace

TEST_CASE("routes match literal and {param} segments") {
  Router router;
  router.add(HttpMethod::Get, "/healthz", [](const HttpRequest&) { return HttpResponse::json(200, "{}"); });
  router.add(HttpMethod::Delete, "/whip/{tenant}/{session}", [](const HttpRequest& r) {
    return HttpResponse::text(200, r.params.at("tenant") + "/" + r.params.at("session"));
  });
  auto a = req(HttpMethod::Get, "/healthz");
  CHECK(router.dispatch(a).status == 200);
  auto b = req(HttpMethod::Delete, "/whip/demo/abc");
  auto rb = router.dispatch(b);
  CHECK(rb.status == 200);
  CHECK(rb.body == "demo/abc");
  auto h = req(HttpMethod::Head, "/healthz");
  CHECK(router.dispatch(h).status == 200);
}

TEST_CASE("unknown path is 404, wrong method is 405 with Allow") {
  Router router;
  router.add(HttpMethod::Get, "/metrics", [](const HttpRequest&) { return HttpResponse::json(200, "{}"); });
  auto a = req(HttpMethod::Get, "/nope");
  CHECK(router.dispatch(a).status == 404);
  auto b = req(HttpMethod::Post, "/metrics");
  auto rb = router.dispatch(b);
  CHECK(rb.status == 405);
  REQUIRE(rb.headers.size() == 1);
  CHECK(rb.headers[0] == std::pair<std::string, std::string>{"Allow", "GET"});
  CHECK(rb.body.find("\"status\":405") != std::string::npos);
  CHECK(router.knowsPath("/metrics"));
  CHECK_FALSE(router.knowsPath("/metrics/x"));
}

TEST_CASE("a throwing handler becomes a 500, not a crash") {
  Router router;
  router.add(HttpMethod::Get, "/boom", [](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("bug");
  });
  auto a = req(HttpMethod::Get, "/boom");
  CHECK(router.dispatch(a).status == 500);
}

TEST_CASE("splitPath drops empty segments") {
  CHECK(splitPath("/a//b/") == std::vector<std::string>{"a", "b"});
  CHECK(splitPath("/").empty());
}
