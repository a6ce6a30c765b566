#include <doctest/doctest.h>

#include "tools/JsonSchemaValidator.hpp"

using namespace parley::tools;
using nlohmann::json;

namespace {
const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "service": {"type": "string", "enum": ["checkup", "cleaning"]},
    "start": {"type": "string", "format": "date-time"},
    "day": {"type": "string", "format": "date"},
    "name": {"type": "string", "minLength": 1, "maxLength": 5},
    "count": {"type": "integer", "minimum": 1, "maximum": 10},
    "ratio": {"type": "number"},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    "flag": {"type": ["boolean", "null"]}
  },
  "required": ["service"],
  "additionalProperties": false
})");

std::string first(const json& v) {
  auto issues = validateJson(kSchema, v);
  return issues.empty() ? "" : issues[0].path + " " + issues[0].message;
}
}  // namespace

TEST_CASE("schema subset: valid arguments pass") {
  CHECK(validateJson(kSchema, json{{"service", "checkup"}}).empty());
  CHECK(validateJson(kSchema,
                     json::parse(R"({"service":"cleaning","start":"2025-01-07T14:30:00-05:00",
    "day":"2025-01-07","name":"Ada","count":3,"ratio":0.5,"tags":["a"],"flag":null})"))
            .empty());
  CHECK(validateJson(kSchema, json{{"service", "checkup"}, {"count", 2.0}}).empty());
}

TEST_CASE("schema subset: each rule reports path and reason") {
  CHECK(first(json::array()) == " must be object, got an array");
  CHECK(first(json::object()) == "/service is required");
  CHECK(first(json{{"service", "x"}}) == "/service must be one of \"checkup\", \"cleaning\"");
  CHECK(first(json{{"service", 3}}) == "/service must be string, got an integer");
  CHECK(first(json{{"service", "checkup"}, {"start", "tomorrow"}}).find("RFC 3339") !=
        std::string::npos);
  CHECK(first(json{{"service", "checkup"}, {"day", "2025-13-01"}}).find("date like") !=
        std::string::npos);
  CHECK(first(json{{"service", "checkup"}, {"name", ""}}) == "/name must be at least 1 characters");
  CHECK(first(json{{"service", "checkup"}, {"name", "Adaline"}}) ==
        "/name must be at most 5 characters");
  CHECK(first(json{{"service", "checkup"}, {"count", 0}}) == "/count must be ≥ 1");
  CHECK(first(json{{"service", "checkup"}, {"count", 11}}) == "/count must be ≤ 10");
  CHECK(first(json{{"service", "checkup"}, {"count", 1.5}}) ==
        "/count must be integer, got a number");
  CHECK(first(json{{"service", "checkup"}, {"tags", {"a", "b", "c"}}}) ==
        "/tags must have at most 2 items");
  CHECK(first(json{{"service", "checkup"}, {"tags", {1}}}) ==
        "/tags/0 must be string, got an integer");
  CHECK(first(json{{"service", "checkup"}, {"flag", "yes"}}) ==
        "/flag must be boolean or null, got a string");
  CHECK(first(json{{"service", "checkup"}, {"colour", "red"}}) ==
        "/colour is not a known parameter");
  CHECK(validateJson(kSchema, json{{"a", 1}, {"b", 2}, {"c", 3}}, 2).size() == 2);
}

TEST_CASE("RFC 3339 date-time") {
  CHECK(isRfc3339DateTime("2025-01-07T14:30:00Z"));
  CHECK(isRfc3339DateTime("2025-01-07T14:30:00.123+05:30"));
  CHECK_FALSE(isRfc3339DateTime("2025-01-07T14:30"));
  CHECK_FALSE(isRfc3339DateTime("2025-01-07"));
  CHECK_FALSE(isRfc3339DateTime("2025-01-07T24:00:00Z"));
  CHECK_FALSE(isRfc3339DateTime(std::string(100, '1')));
}
