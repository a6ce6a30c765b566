// A tenant's own `conversation:` block (agent/session/ConversationSettings
// tenantConversationConfig): the keys it names override the worker's values for its calls, with
// the same names, units, ranges and cross-key rules, and errors point into the tenant file.
#include <doctest/doctest.h>

#include <string>

#include "agent/session/ConversationSettings.hpp"
#include "core/Error.hpp"
#include "tests/tools/TestSupport.hpp"
#include "tools/TenantLoader.hpp"

using namespace parley;

namespace {

// A valid tenant file; `block` is appended (line 14 on).
std::string tenantText(const std::string& block) {
  return tools::test::minimalTenantYaml("conv") + "greeting: Hello.\n" + block;
}

tools::Tenant load(const std::string& block) {
  return tools::loadTenantText(tenantText(block), "conv.yaml");
}

dialog::ConversationConfig worker() {
  dialog::ConversationConfig w;
  w.maxEndpointingDelayMs = 4000;  // the worker's own choice, kept where the tenant is silent
  w.silenceRepromptMs = 9000;
  return w;
}

std::string errorOf(const std::string& block) {
  try {
    agent::tenantConversationConfig(worker(), load(block));
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a tenant's conversation: block overrides only the keys it names") {
  auto t = load(R"(conversation:
  min_endpointing_delay: 0.8   # seconds, as in config/parley.yaml
  greeting_interruptible: false
  backchannels: [oui, "d'accord"]
)");
  auto c = agent::tenantConversationConfig(worker(), t);
  CHECK(c.minEndpointingDelayMs == 800);
  CHECK_FALSE(c.greetingInterruptible);
  CHECK(c.backchannels == std::vector<std::string>{"oui", "d'accord"});
  CHECK(c.maxEndpointingDelayMs == 4000);  // the worker's
  CHECK(c.silenceRepromptMs == 9000);      // the worker's
  CHECK(c.minInterruptionDurationMs == dialog::ConversationConfig{}.minInterruptionDurationMs);
}

TEST_CASE("a tenant without a conversation: block gets the worker's settings") {
  auto t = load("");
  CHECK(t.conversationYaml.empty());
  auto c = agent::tenantConversationConfig(worker(), t);
  CHECK(c.maxEndpointingDelayMs == 4000);
  CHECK(c.minEndpointingDelayMs == 500);
}

TEST_CASE("the shipped multilingual tenant's block loads") {
  auto t = tools::loadTenantFile(PARLEY_SOURCE_DIR "/config/tenants/rhine.yaml");
  auto c = agent::tenantConversationConfig(dialog::ConversationConfig{}, t);
  CHECK(c.minEndpointingDelayMs == 600);
}

TEST_CASE("bad tenant conversation: blocks are errors naming the tenant file:line and key") {
  CHECK(errorOf("conversation:\n  min_endpointing_delay: 0.5\n  typo_delay: 2\n") ==
        "conv.yaml:16: conversation.typo_delay: unknown key");
  std::string range = errorOf("conversation:\n  min_interruption_duration: 9\n");
  CHECK(range.find("conv.yaml:15: conversation.min_interruption_duration") == 0);
  CHECK(range.find("5") != std::string::npos);  // the allowed maximum
  std::string type = errorOf("conversation:\n  greeting_interruptible: maybe\n");
  CHECK(type.find("conv.yaml:15: conversation.greeting_interruptible: must be") == 0);
  // Merged with the worker's max_endpointing_delay (4 s), 5 s is too long.
  std::string across = errorOf("conversation:\n  min_endpointing_delay: 5\n");
  CHECK(across.find("conv.yaml:15: conversation.min_endpointing_delay: must not exceed "
                    "conversation.max_endpointing_delay (4000 ms with the worker's settings") == 0);
  // Not a mapping: the tenant loader says so.
  try {
    load("conversation: fast\n");
    FAIL("loaded");
  } catch (const core::ConfigError& e) {
    CHECK(std::string(e.what()) ==
          "conv.yaml:14: conversation: must be a mapping of "
          "conversation.* keys");
  }
}
