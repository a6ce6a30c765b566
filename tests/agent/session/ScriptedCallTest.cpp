// End-to-end conversations (issue 7 "Evidence"): a Session over a scripted caller leg, with the
// local providers (pocketsphinx STT, flite TTS, the scripted booking policy) over their real
// protocols, in virtual time. The caller's lines are spoken by flite's kal/awb voices.
#include <doctest/doctest.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "agent/session/CallerScript.hpp"
#include "agent/session/ScriptedCall.hpp"
#include "dialog/local/LocalProviders.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "dialog/stt/DeepgramStt.hpp"
#include "tests/agent/session/ShippedTenants.hpp"
#include "tests/dialog/OpenAiTestServer.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"
#include "tools/time/TenantTime.hpp"

using namespace parley;
using namespace parley::agent;

namespace {

std::shared_ptr<const tools::Tenant> demoTenant() {
  return agent::test::shippedTenant("demo");
}

/// A fresh store in a temp folder per test.
struct TempStore {
  std::filesystem::path dir;
  std::shared_ptr<tools::SqliteBookingStore> store;
  explicit TempStore(const std::string& name) {
    dir = std::filesystem::temp_directory_path() /
          ("parley-e2e-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store = std::make_shared<tools::SqliteBookingStore>(dir / "bookings.sqlite");
  }
  ~TempStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

/// A Monday 9:00 in the tenant's zone, so "next Tuesday" is a working day with free slots.
std::chrono::system_clock::time_point monday9am(const tools::Tenant& t) {
  auto tp = tools::parseIsoDateTime(t.zone, "2031-03-03T09:00:00");
  REQUIRE(tp);
  return *tp;
}

/// Runs `samples` (16 kHz) through the local STT over the Deepgram protocol; returns the finals.
std::string transcribe(const std::vector<int16_t>& samples) {
  dialog::local::LocalProvidersConfig lc;
  lc.tenants = {demoTenant()};
  lc.llm = false;
  lc.tts = false;
  dialog::local::LocalProviders local(lc);
  local.start();
  struct Listener : dialog::SttListener {
    std::string text;
    bool closed = false;
    void onSttTranscript(const dialog::SttTranscript& t) override {
      if (t.isFinal) text += t.text + " ";
    }
    void onSttError(const dialog::ProviderError& e, bool fatal) override {
      MESSAGE("STT error: " << e.message);
      closed |= fatal;
    }
    void onSttClosed() override { closed = true; }
  } listener;
  uv_loop_t uv;
  uv_loop_init(&uv);
  std::string out;
  {
    auto ws = std::make_unique<dialog::WsClientContext>(&uv);
    dialog::DeepgramConfig c;
    c.url = local.urls().deepgramListen;
    c.apiKey.clear();
    auto stt = std::make_unique<dialog::DeepgramStt>(*ws, c, listener);
    stt->start();
    // Push at about 5× real time, so the decoder keeps up as with a live call.
    constexpr size_t kChunk = 1600;  // 100 ms
    for (size_t at = 0; at < samples.size(); at += kChunk) {
      stt->pushAudio(
          std::span<const int16_t>(samples).subspan(at, std::min(kChunk, samples.size() - at)));
      uv_run(&uv, UV_RUN_NOWAIT);
      usleep(20'000);
    }
    stt->finalize();
    stt->close();
    for (int i = 0; i < 6000 && !listener.closed; ++i) uv_run(&uv, UV_RUN_NOWAIT), usleep(10'000);
    out = listener.text;
    stt.reset();
    ws->shutdown();
    for (int i = 0; i < 200 && !ws->closed(); ++i) uv_run(&uv, UV_RUN_NOWAIT), usleep(5'000);
  }
  uv_run(&uv, UV_RUN_NOWAIT);
  uv_loop_close(&uv);
  local.stop();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return out;
}

double rms(const std::vector<int16_t>& s, size_t from, size_t to) {
  to = std::min(to, s.size());
  if (from >= to) return 0;
  double sum = 0;
  for (size_t i = from; i < to; ++i) sum += double(s[i]) * s[i];
  return std::sqrt(sum / double(to - from));
}

std::string agentText(const dialog::CallRecord& r) {
  std::string s;
  for (const auto& l : r.transcript)
    if (l.speaker == dialog::Speaker::Agent) s += l.text + "\n";
  return s;
}

}  // namespace

TEST_CASE("a full booking call from flite-spoken caller audio books the slot and reads it back") {
  auto tenant = demoTenant();
  TempStore ts("book");
  ScriptedCallSetup setup;
  setup.tenant = tenant;
  setup.script = CallerScript::load(PARLEY_SOURCE_DIR "/tests/fixtures/calls/book-basic.yaml");
  setup.store = ts.store;
  setup.wallStart = monday9am(*tenant);
  auto result = runScriptedCall(setup);
  const auto& r = result.record;
  INFO(agentText(r));
  CHECK((r.outcome == dialog::CallOutcome::Booked));
  CHECK(r.endReason == "end_call");
  auto appts = ts.store->list(tenant->id, 10);
  REQUIRE(appts.size() == 1);
  CHECK(appts[0].serviceId == "cleaning");
  CHECK(
      tools::localDay(tenant->zone, appts[0].start) ==
      tools::localDay(tenant->zone, std::chrono::floor<std::chrono::seconds>(monday9am(*tenant))) +
          date::days(1));
  CHECK(appts[0].customerPhone == "+15555550123");
  CHECK_FALSE(appts[0].customerName.empty());  // as the STT heard it
  REQUIRE_FALSE(r.turns.empty());
  for (const auto& m : r.turns) {
    CHECK(m.voiceToVoiceMs > 0);
    CHECK(m.endOfUtteranceDelayMs >= 500);
  }
  // The agent's recorded audio, back through the local STT, holds the read-back.
  // (From the caller's "yes" on: the booking confirmation and the goodbye.)
  REQUIRE(result.turnStartsMs.size() == 6);
  REQUIRE(result.turnStartsMs[4] > 0);
  const auto from = static_cast<size_t>(result.turnStartsMs[4]) * 16;
  std::string heard = transcribe(std::vector<int16_t>(
      result.agentAudio.begin() + static_cast<std::ptrdiff_t>(from), result.agentAudio.end()));
  INFO(heard);
  CHECK(heard.find("cleaning") != std::string::npos);
  CHECK(heard.find("tuesday") != std::string::npos);
}

TEST_CASE("barge-in during a long reply: playout stops and the agent answers the interruption") {
  auto tenant = demoTenant();
  TempStore ts("bargein");
  ScriptedCallSetup setup;
  setup.tenant = tenant;
  setup.script = CallerScript::load(PARLEY_SOURCE_DIR "/tests/fixtures/calls/barge-in.yaml");
  setup.store = ts.store;
  setup.wallStart = monday9am(*tenant);
  auto result = runScriptedCall(setup);
  const auto& r = result.record;
  INFO(agentText(r));
  REQUIRE(r.bargeIns.size() >= 1);
  const auto& b = r.bargeIns[0];
  CHECK(b.decisionToStoppedMs <= 20);
  // Only the heard part is recorded: an interrupted agent line that is a strict prefix.
  auto it = std::find_if(r.transcript.begin(), r.transcript.end(),
                         [](const auto& l) { return l.interrupted; });
  REQUIRE(it != r.transcript.end());
  CHECK(it->text == b.heardText);
  // The agent answered the interruption: an agent line follows the interrupting caller line.
  bool answered = false;
  for (auto j = it + 1; j != r.transcript.end(); ++j)
    if (j->speaker == dialog::Speaker::Agent && !j->interrupted) answered = true;
  CHECK(answered);
  // The caller's barge-in turn: the agent is silent while the caller still talks.
  REQUIRE(result.turnStartsMs.size() == 3);
  const auto start = static_cast<size_t>(result.turnStartsMs[1]) * 16;
  CHECK(rms(result.agentAudio, start + 800 * 16, start + 1400 * 16) < 1.0);
}

TEST_CASE("silence: two reprompts then goodbye and hang-up") {
  auto tenant = demoTenant();
  TempStore ts("silence");
  ScriptedCallSetup setup;
  setup.tenant = tenant;
  setup.script = CallerScript::load(PARLEY_SOURCE_DIR "/tests/fixtures/calls/silent.yaml");
  setup.store = ts.store;
  auto result = runScriptedCall(setup);
  const auto& r = result.record;
  INFO(agentText(r));
  CHECK(r.endReason == "silence");
  int reprompts = 0;
  for (const auto& l : r.transcript) reprompts += l.text == "Are you still there?";
  CHECK(reprompts == 2);
  CHECK((r.outcome == dialog::CallOutcome::Abandoned));
}

TEST_CASE("LLM failing with 500: the caller hears an apology and the call ends cleanly") {
  auto tenant = demoTenant();
  TempStore ts("llm500");
  dialog::test::OpenAiTestServer failing;
  ScriptedCallSetup setup;
  setup.tenant = tenant;
  setup.script = CallerScript::parse(R"(
caller: "+15555550126"
turns:
  - say: "Hello, I need an appointment."
  - say: "Hello? Can you hear me?"
)");
  setup.store = ts.store;
  setup.adjustProviders = [&](ProviderSettings& p) {
    p.llm.baseUrl = failing.baseUrl("always-500");
    p.llm.maxRetries = 0;
  };
  auto result = runScriptedCall(setup);
  const auto& r = result.record;
  INFO(agentText(r));
  const dialog::ConversationConfig c;
  std::string said = agentText(r);
  CHECK(said.find(c.apologyText) != std::string::npos);
  CHECK(said.find(c.failGoodbyeText) != std::string::npos);
  CHECK(r.endReason == "error");
  CHECK((r.outcome == dialog::CallOutcome::Failed));
  // Never dead air: after each caller turn the agent spoke within a few seconds.
  CHECK(r.turns.empty());  // no LLM reply was ever produced
}

TEST_CASE("caller scripts are validated") {
  CHECK_THROWS_AS(CallerScript::parse("turns: []"), core::UsageError);
  CHECK_THROWS_AS(CallerScript::parse("turns:\n  - say: hi\n    voice: slt\n"), core::UsageError);
  CHECK_THROWS_AS(CallerScript::parse("turns:\n  - say: hi\n    silence: 3\n"), core::UsageError);
  CHECK_THROWS_AS(CallerScript::parse("turns:\n  - say: hi\n    at: { event: later }\n"),
                  core::UsageError);
  CHECK_THROWS_AS(CallerScript::parse("turns:\n  - silence: -1\n"), core::UsageError);
  auto s = CallerScript::parse(
      "caller: \"+1555\"\nturns:\n  - say: hi\n  - wav: a.wav\n    at: { event: "
      "agent_started, delay: 1.5 }\n  - silence: 2\n",
      "/x");
  REQUIRE(s.turns.size() == 3);
  CHECK(s.caller == "+1555");
  CHECK(s.turns[0].voice == "kal");
  CHECK((s.turns[1].at == CallerEvent::AgentStarted));
  CHECK(s.turns[1].delayS == 1.5);
  CHECK(s.turns[1].wavPath == "/x/a.wav");
  CHECK(s.turns[2].seconds == 2);
}
