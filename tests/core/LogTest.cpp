#include <doctest/doctest.h>

#include "core/Log.hpp"

using namespace parley::core;

TEST_CASE("JSON escaping follows RFC 8259") {
  CHECK(jsonEscape("a\"b\\c\n\x01") == "a\\\"b\\\\c\\n\\u0001");
}

TEST_CASE("log levels parse and component overrides apply") {
  LogLevel l;
  CHECK(parseLogLevel("debug", l));
  CHECK(l == LogLevel::Debug);
  CHECK_FALSE(parseLogLevel("loud", l));
  LogSettings s;
  s.level = LogLevel::Warn;
  s.componentLevels["media"] = LogLevel::Debug;
  setupLogging(s);
  Logger media("media");
  Logger http("http");
  CHECK(media.enabled(LogLevel::Debug));
  CHECK_FALSE(http.enabled(LogLevel::Info));
  CHECK(http.enabled(LogLevel::Warn));
  media.with("call_id", "c1").debug("frame dropped {}", 3);  // must not throw
}
