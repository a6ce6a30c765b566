// Redis AUTH (issue 10): redis.url with the default user's password and with an ACL user works
// against a real redis-server started with --requirepass / a "user" directive; a wrong or
// missing password is a clear, refused state naming the URL without the password.
#include <doctest/doctest.h>

#include <mutex>

#include "FleetTestSupport.hpp"
#include "RedisServer.hpp"
#include "agent/fleet/RedisClient.hpp"

using namespace parley;
using parley::test::onLoop;
using parley::test::waitFor;

namespace {

const std::string kAdminPass = "adm1n-Pw-9c2e71";
const std::string kUser = "parley-worker";
const std::string kUserPass = "u5er-Pw-4b8d13";

// A client on its own loop that records every state it reports.
struct Client {
  core::LoopThread loop{"redis-auth"};
  std::unique_ptr<agent::RedisClient> c;
  std::mutex mutex;
  std::vector<agent::RedisClient::State> states;

  explicit Client(const std::string& url) {
    onLoop(loop, [&] {
      c = std::make_unique<agent::RedisClient>(loop.loop(), *agent::RedisUrl::parse(url),
                                               std::function<void()>{}, 100);
      c->onState([this](const agent::RedisClient::State& s) {
        std::lock_guard lock(mutex);
        states.push_back(s);
      });
    });
  }
  ~Client() {
    onLoop(loop, [&] { c.reset(); });
    loop.stop();
  }
  std::optional<agent::RedisClient::State> last() {
    std::lock_guard lock(mutex);
    if (states.empty()) return std::nullopt;
    return states.back();
  }
  bool up() {
    auto s = last();
    return s && s->up;
  }
  bool refused() {
    auto s = last();
    return s && s->refused;
  }
  std::string get(const std::string& key) {
    std::promise<std::string> got;
    onLoop(loop, [&] {
      c->command({"GET", key}, [&](const agent::RedisValue& v) {
        got.set_value(v.ok() ? v.str : "error: " + v.str);
      });
    });
    return got.get_future().get();
  }
};

std::string url(const std::string& cred, int port) {
  return "redis://" + cred + "@127.0.0.1:" + std::to_string(port);
}

}  // namespace

TEST_CASE("redis URLs with an ACL user - redacted and AUTH forms never leak into where()") {
  auto u = agent::RedisUrl::parse("redis://alice:p%w:x@10.0.0.5:6380/3");
  REQUIRE(u);
  CHECK(u->username == "alice");
  CHECK(u->password == "p%w:x");
  CHECK(u->redacted() == "redis://alice@10.0.0.5:6380/3");
  CHECK(u->authCommand() == std::vector<std::string>{"AUTH", "alice", "p%w:x"});
  auto d = agent::RedisUrl::parse("redis://:only@h");
  REQUIRE(d);
  CHECK(d->username.empty());
  CHECK(d->redacted() == "redis://h:6379");
  CHECK(d->authCommand() == std::vector<std::string>{"AUTH", "only"});
  CHECK(agent::RedisUrl::parse("redis://h")->authCommand().empty());
  std::string why;
  CHECK_FALSE(agent::RedisUrl::parse("redis://a/b:pw@h", &why));
  CHECK(why.find("pw") == std::string::npos);
}

TEST_CASE(
    "redis with --requirepass: the right password works - a wrong or missing one is refused") {
  test::RedisServer redis({kAdminPass, "", ""});
  redis.cli("SET k v");
  {
    Client ok(url(":" + kAdminPass, redis.port()));
    REQUIRE(waitFor([&] { return ok.up(); }));
    CHECK(ok.get("k") == "v");
    CHECK(ok.last()->detail == "connected to redis://127.0.0.1:" + std::to_string(redis.port()));
  }
  {
    Client wrong(url(":not-" + kAdminPass, redis.port()));
    REQUIRE(waitFor([&] { return wrong.refused(); }));
    auto s = *wrong.last();
    CHECK_FALSE(s.up);
    CHECK(s.detail.find("redis://127.0.0.1:" + std::to_string(redis.port())) != std::string::npos);
    CHECK(s.detail.find("refused the password") != std::string::npos);
    CHECK(s.detail.find(kAdminPass) == std::string::npos);
    std::string lastError;
    onLoop(wrong.loop, [&] { lastError = wrong.c->lastError(); });
    CHECK(lastError == s.detail);
    CHECK(wrong.get("k").find("error") == 0);  // commands fail at once while refused
  }
  {
    Client none("redis://127.0.0.1:" + std::to_string(redis.port()));
    REQUIRE(waitFor([&] { return none.refused(); }));
    CHECK(none.last()->detail.find("wants a password") != std::string::npos);
  }
}

TEST_CASE("redis with an ACL user: user and password work - a wrong password is WRONGPASS") {
  test::RedisServer redis({kAdminPass, kUser, kUserPass});
  redis.cli("SET k acl");
  {
    Client ok(url(kUser + ":" + kUserPass, redis.port()));
    REQUIRE(waitFor([&] { return ok.up(); }));
    CHECK(ok.get("k") == "acl");
    CHECK(redis.cli("CLIENT LIST").find("user=" + kUser) != std::string::npos);
  }
  {
    Client wrong(url(kUser + ":" + kAdminPass, redis.port()));  // another secret, wrong here
    REQUIRE(waitFor([&] { return wrong.refused(); }));
    auto s = *wrong.last();
    CHECK(s.detail.find("redis://" + kUser + "@127.0.0.1") != std::string::npos);
    CHECK(s.detail.find("WRONGPASS") != std::string::npos);
    CHECK(s.detail.find(kAdminPass) == std::string::npos);
    CHECK(s.detail.find(kUserPass) == std::string::npos);
  }
}
