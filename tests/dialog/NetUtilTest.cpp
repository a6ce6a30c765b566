#include <doctest/doctest.h>

#include "dialog/net/Backoff.hpp"
#include "dialog/net/Base64.hpp"
#include "dialog/net/ProviderError.hpp"
#include "dialog/net/RetryAfter.hpp"
#include "dialog/net/Url.hpp"

using namespace parley::dialog;

TEST_CASE("Url::parse splits ws/wss/http/https URLs") {
  auto u = Url::parse("wss://api.deepgram.com/v1/listen?model=nova-3");
  REQUIRE(u);
  CHECK(u->scheme == "wss");
  CHECK(u->host == "api.deepgram.com");
  CHECK(u->port == 443);
  CHECK(u->path == "/v1/listen?model=nova-3");
  auto v = Url::parse("http://[::1]:8080");
  REQUIRE(v);
  CHECK(v->host == "::1");
  CHECK(v->port == 8080);
  CHECK(v->path == "/");
  CHECK_FALSE(Url::parse("ftp://x/"));
  CHECK_FALSE(Url::parse("http://:80/"));
  CHECK_FALSE(Url::parse("http://h:99999/"));
  CHECK_FALSE(Url::parse("http://user@h/"));
  CHECK(buildQuery({{"keyterm", "Zoë Smith"}, {"a", "b&c"}}) == "keyterm=Zo%C3%AB%20Smith&a=b%26c");
}

TEST_CASE("base64Decode: RFC 4648 vectors, unpadded, and garbage") {
  auto s = [](std::string_view in) {
    auto d = base64Decode(in);
    return d ? std::string(d->begin(), d->end()) : std::string("<null>");
  };
  CHECK(s("") == "");
  CHECK(s("Zg==") == "f");
  CHECK(s("Zm8=") == "fo");
  CHECK(s("Zm9v") == "foo");
  CHECK(s("Zm9vYmFy") == "foobar");
  CHECK(s("Zm9vYg") == "foob");
  CHECK(s("Zm9v!") == "<null>");
  CHECK(s("Z") == "<null>");
  CHECK(s("Zg=") == "<null>");
}

TEST_CASE("Backoff: server delay wins within bound, then capped exponential with jitter") {
  Backoff b({.initialMs = 500, .maxMs = 8000, .maxAttempts = 3, .jitter = 0.25}, 42);
  CHECK(b.next(1234) == 1234);
  auto d = b.next(0);  // attempt 1: 1000 ms × (0.75..1]
  REQUIRE(d);
  CHECK(*d >= 750);
  CHECK(*d <= 1000);
  auto e = b.next(120'000);  // beyond 60 s: ignored
  REQUIRE(e);
  CHECK(*e <= 2000);
  CHECK_FALSE(b.next());
  b.reset();
  CHECK(b.next());
}

TEST_CASE("retryAfterMs reads retry-after-ms, retry-after seconds and HTTP-date") {
  CHECK(retryAfterMs({{"retry-after-ms", "250"}}, 0) == 250);
  CHECK(retryAfterMs({{"retry-after", "2"}}, 0) == 2000);
  CHECK(retryAfterMs({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}, 1445412470) == 10000);
  CHECK(retryAfterMs({{"retry-after", "soon"}}, 0) == 0);
  CHECK(retryAfterMs({}, 0) == 0);
}

TEST_CASE("HTTP status maps to category and retryability") {
  CHECK(errorForHttpStatus(401, "").category == ErrorCategory::Auth);
  CHECK_FALSE(errorForHttpStatus(403, "").retryable);
  CHECK(errorForHttpStatus(429, "").retryable);
  CHECK(errorForHttpStatus(503, "").category == ErrorCategory::Server);
  CHECK(errorForHttpStatus(400, "").category == ErrorCategory::BadRequest);
  CHECK(categoryName(ErrorCategory::RateLimit) == "rate_limit");
}
