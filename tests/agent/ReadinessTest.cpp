#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/Readiness.hpp"

using parley::agent::Readiness;

TEST_CASE("ready only when every component is ready and not draining") {
  Readiness r;
  CHECK(r.ready());
  r.set("http", true);
  r.set("stt", false, "loading model");
  CHECK_FALSE(r.ready());
  auto j = nlohmann::json::parse(r.toJson());
  CHECK(j["status"] == "not_ready");
  CHECK(j["components"]["stt"]["detail"] == "loading model");
  r.set("stt", true);
  CHECK(r.ready());
  r.setDraining();
  CHECK_FALSE(r.ready());
  CHECK(nlohmann::json::parse(r.toJson())["status"] == "draining");
}
