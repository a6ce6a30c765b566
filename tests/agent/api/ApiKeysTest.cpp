// API keys: hashes in config, bearer auth, per-key rate limit, and the guard's responses.
#include <doctest/doctest.h>

#include "agent/api/ApiKeys.hpp"
#include "core/Error.hpp"

using namespace parley;
using namespace std::chrono_literals;

namespace {

const std::string kAdminKey = "admin-key-0123456789";
const std::string kDemoKey = "demo-key-abcdefghijkl";

std::string keysYaml() {
  return "keys:\n"
         "  - name: demo-crm\n"
         "    tenant: demo\n"
         "    sha256: " +
         agent::toHex(agent::sha256(kDemoKey)) +
         "\n"
         "  - name: ops\n"
         "    admin: true\n"
         "    sha256: " +
         agent::toHex(agent::sha256("ops-key")) + "\n";
}

agent::HttpRequest withAuth(const std::string& value) {
  agent::HttpRequest r;
  r.path = "/v1/calls";
  if (!value.empty()) r.headers["authorization"] = value;
  return r;
}

std::string headerOf(const agent::HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

}  // namespace

TEST_CASE("sha256 is the standard digest") {
  // FIPS 180-2 test vector.
  CHECK(agent::toHex(agent::sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(agent::parseSha256Hex(agent::toHex(agent::sha256("abc"))) == agent::sha256("abc"));
  CHECK_FALSE(agent::parseSha256Hex("abc"));
  CHECK_FALSE(agent::parseSha256Hex(std::string(64, 'g')));
}

TEST_CASE("keys authenticate to their tenant or as admin - anything else does not") {
  auto t =
      agent::ApiKeyTable::fromYaml(agent::toHex(agent::sha256(kAdminKey)), keysYaml(), "k.yaml");
  CHECK(t.size() == 3);
  auto demo = t.authenticate(kDemoKey);
  REQUIRE(demo);
  CHECK(demo->name == "demo-crm");
  CHECK(demo->tenant == "demo");
  CHECK_FALSE(demo->admin);
  CHECK(demo->canSee("demo"));
  CHECK_FALSE(demo->canSee("other"));
  auto admin = t.authenticate(kAdminKey);
  REQUIRE(admin);
  CHECK(admin->admin);
  CHECK(admin->canSee("other"));
  CHECK(t.authenticate("ops-key")->admin);
  CHECK_FALSE(t.authenticate(""));
  CHECK_FALSE(t.authenticate(kDemoKey + "x"));
  CHECK_FALSE(t.authenticate(agent::toHex(agent::sha256(kDemoKey))));  // the hash is not a key
  CHECK_FALSE(t.authenticate(std::string(10000, 'a')));
}

TEST_CASE("a malformed keys file is a config error that names the entry") {
  auto bad = [](const std::string& yaml) {
    try {
      agent::ApiKeyTable::fromYaml("", yaml, "keys.yaml");
    } catch (const core::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(bad("keys: [{name: a, tenant: t, sha256: xyz}]").find("keys[0]") != std::string::npos);
  CHECK(bad("keys: [{name: a, sha256: " + std::string(64, 'a') + "}]").find("exactly one") !=
        std::string::npos);
  CHECK(bad("keys: [{tenant: t, sha256: " + std::string(64, 'a') + "}]").find("name") !=
        std::string::npos);
  CHECK(bad("keys:\n  - {name: a, tenant: t, sha256: " + std::string(64, 'a') +
            "}\n  - {name: a, tenant: u, sha256: " + std::string(64, 'b') + "}")
            .find("duplicate") != std::string::npos);
  CHECK(bad("keys: {a: 1}").find("'keys' list") != std::string::npos);
  CHECK(bad("keys: [unterminated").find("YAML") != std::string::npos);
  CHECK_THROWS_AS(agent::ApiKeyTable::fromYaml("not-a-hash", "", ""), core::ConfigError);
  // A missing file is "no tenant keys", not an error.
  CHECK(agent::ApiKeyTable::load("", std::filesystem::path("/nonexistent/keys.yaml")).size() == 0);
}

TEST_CASE("the rate limiter allows the rate with bursts and says how long to wait") {
  core::ManualClock clock;
  agent::RateLimiter limiter(6, clock);  // one every 10 s
  for (int i = 0; i < 6; ++i) CHECK_FALSE(limiter.take("k"));
  auto wait = limiter.take("k");
  REQUIRE(wait);
  CHECK(*wait == 10);
  CHECK_FALSE(limiter.take("other"));  // per key
  clock.advance(5s);
  CHECK(*limiter.take("k") == 5);
  clock.advance(5s);
  CHECK_FALSE(limiter.take("k"));
  clock.advance(1h);  // refills only up to the burst
  for (int i = 0; i < 6; ++i) CHECK_FALSE(limiter.take("k"));
  CHECK(limiter.take("k"));
}

TEST_CASE("the guard answers 401 and 429 and passes the principal to the handler") {
  core::ManualClock clock;
  core::MetricsRegistry metrics;
  agent::ApiGuard guard(agent::ApiKeyTable::fromYaml("", keysYaml(), "k.yaml"), 3, clock, metrics);
  auto handler = guard.wrap([](const agent::HttpRequest&, const agent::ApiPrincipal& who) {
    return agent::HttpResponse::json(200, "{\"tenant\":\"" + who.tenant + "\"}");
  });
  auto none = handler(withAuth(""));
  CHECK(none.status == 401);
  CHECK(headerOf(none, "WWW-Authenticate").find("Bearer") == 0);
  CHECK(handler(withAuth("Basic " + kDemoKey)).status == 401);
  auto wrong = handler(withAuth("Bearer wrong-key"));
  CHECK(wrong.status == 401);
  CHECK(wrong.body.find("wrong-key") == std::string::npos);  // never echoes the token
  auto ok = handler(withAuth("Bearer " + kDemoKey));
  CHECK(ok.status == 200);
  CHECK(ok.body == R"({"tenant":"demo"})");
  CHECK(handler(withAuth("bearer " + kDemoKey)).status == 200);  // scheme is case-insensitive
  CHECK(handler(withAuth("Bearer " + kDemoKey)).status == 200);
  auto limited = handler(withAuth("Bearer " + kDemoKey));
  CHECK(limited.status == 429);
  CHECK(headerOf(limited, "Retry-After") == "20");
  CHECK(handler(withAuth("Bearer ops-key")).status == 200);  // another key has its own bucket
  clock.advance(std::chrono::seconds(20));
  CHECK(handler(withAuth("Bearer " + kDemoKey)).status == 200);
  CHECK(metrics.renderPrometheus().find("parley_api_requests_total{result=\"rate_limited\"} 1") !=
        std::string::npos);
}
