#pragma once
// A timeline driver for Conversation unit tests (STYLE.md "feed a stage a timeline and assert
// its events"): a ManualClock advanced 20 ms per step, and small fakes of the provider
// interfaces whose events are delivered on the next step, so every run is deterministic. The
// end-to-end tests use the real clients and local providers instead.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/Clock.hpp"
#include "dialog/conversation/Conversation.hpp"

namespace parley::dialog::test {

/// The leg's playout side: one 20 ms frame per tick. µ-law bytes (a PCMU phone leg) wait in
/// their own queue and count 2 16 kHz samples each, as on a real leg.
struct FakeOut final : AudioOut {
  std::deque<int16_t> queue;
  std::deque<uint8_t> ulawQueue;
  std::vector<uint8_t> ulawPlayed;  ///< every µ-law byte played, in order
  uint64_t played = 0;
  bool endMarked = false;
  std::vector<bool> frames;  ///< per tick: agent audio was sent
  size_t sendSamples(std::span<const int16_t> s) override {
    queue.insert(queue.end(), s.begin(), s.end());
    endMarked = false;
    return s.size();
  }
  size_t sendUlaw(std::span<const uint8_t> b) override {
    ulawQueue.insert(ulawQueue.end(), b.begin(), b.end());
    endMarked = false;
    return b.size();
  }
  void endOfUtterance() override { endMarked = true; }
  size_t flushAudio() override {
    size_t n = queue.size() + 2 * ulawQueue.size();
    queue.clear();
    ulawQueue.clear();
    return n;
  }
  int queuedAudioMs() const override {
    return static_cast<int>(queue.size() / 16 + ulawQueue.size() / 8);
  }
  uint64_t playedSamples() const override { return played; }
  bool empty() const { return queue.empty() && ulawQueue.empty(); }
  void tick() {
    if (!ulawQueue.empty()) {
      size_t n = std::min<size_t>(160, ulawQueue.size());
      if (n < 160 && !endMarked) n = 0;
      ulawPlayed.insert(ulawPlayed.end(), ulawQueue.begin(),
                        ulawQueue.begin() + static_cast<std::ptrdiff_t>(n));
      ulawQueue.erase(ulawQueue.begin(), ulawQueue.begin() + static_cast<std::ptrdiff_t>(n));
      played += 2 * n;
      frames.push_back(n > 0);
      return;
    }
    size_t n = std::min<size_t>(320, queue.size());
    if (n < 320 && !endMarked) n = 0;
    for (size_t i = 0; i < n; ++i) queue.pop_front();
    played += n;
    frames.push_back(n > 0);
  }
};

struct FakeStt final : SttStream {
  SttListener& l;
  std::string onFinalize;  ///< text returned as a final when finalize() is called
  int finalizes = 0;
  size_t pushed = 0;
  bool closed = false;
  explicit FakeStt(SttListener& listener) : l(listener) {}
  void start() override {}
  void pushAudio(std::span<const int16_t> s) override { pushed += s.size(); }
  void finalize() override {
    ++finalizes;
    answerPending = true;
  }
  bool answerPending = false;
  /// Answers a finalize() one step later, as a provider would.
  void deliver() {
    if (!answerPending) return;
    answerPending = false;
    if (!onFinalize.empty()) {
      std::string text = std::move(onFinalize);
      onFinalize.clear();
      final(text, false, true);
    }
  }
  void close() override { closed = true; }
  int sampleRate() const override { return 16000; }
  void final(const std::string& text, bool speechFinal = false, bool fromFinalize = false) {
    SttTranscript t;
    t.text = text;
    t.isFinal = true;
    t.speechFinal = speechFinal;
    t.fromFinalize = fromFinalize;
    t.latencyMs = 120;
    t.durationS = static_cast<double>(pushed) / 16000.0;  // covers everything heard so far
    l.onSttTranscript(t);
  }
  void interim(const std::string& text) {
    SttTranscript t;
    t.text = text;
    l.onSttTranscript(t);
  }
};

/// A scripted LLM answer: text deltas, tool calls, or an error.
struct LlmScript {
  std::vector<std::string> deltas;
  std::vector<ToolCall> calls;
  bool fail = false;
};

struct FakeLlm final : LlmClient {
  struct Stream final : LlmStream {
    FakeLlm* owner;
    bool live = true;
    explicit Stream(FakeLlm* o) : owner(o) {}
    ~Stream() override { cancel(); }
    void cancel() override {
      if (live && owner->active == this) owner->active = nullptr;
      live = false;
    }
    bool active() const override { return live; }
  };
  std::deque<LlmScript> scripts;
  std::vector<ChatRequest> requests;
  Stream* active = nullptr;
  LlmListener* listener = nullptr;
  const core::ManualClock* clock = nullptr;  ///< set by the Harness
  int delayMs = 0;                           ///< clock time a request takes to answer
  int64_t requestNs = 0;
  std::unique_ptr<LlmStream> stream(const ChatRequest& r, LlmListener& l) override {
    requests.push_back(r);
    requestNs = clock ? clock->monoNs() : 0;
    auto s = std::make_unique<Stream>(this);
    active = s.get();
    listener = &l;
    return s;
  }
  /// Delivers the next script to the active stream (called each step).
  void deliver() {
    if (!active) return;
    if (clock && clock->monoNs() - requestNs < int64_t{delayMs} * 1'000'000) return;
    Stream* s = active;
    active = nullptr;
    LlmScript sc;
    if (!scripts.empty()) {
      sc = scripts.front();
      scripts.pop_front();
    } else {
      sc.deltas = {"Okay."};
    }
    if (sc.fail) {
      s->live = false;
      return listener->onLlmError({.message = "HTTP 500"});
    }
    for (const auto& d : sc.deltas) {
      if (!s->live) return;
      listener->onLlmText(d);
    }
    if (!s->live) return;
    if (!sc.calls.empty()) listener->onLlmToolCalls(sc.calls);
    s->live = false;
    LlmDone done;
    done.finishReason = sc.calls.empty() ? "stop" : "tool_calls";
    done.timeToFirstTokenMs = 200;
    listener->onLlmDone(done);
  }
};

/// Speaks each word as 200 ms of a 440 Hz tone (16 kHz PCM, or 8 kHz µ-law bytes as asked of a
/// provider for a PCMU phone leg), with word timings; one step after flush().
struct FakeTts final : TtsStream {
  static constexpr int kWordMs = 200;
  TtsListener& l;
  bool ulaw = false;
  std::vector<uint8_t> sentUlaw;    ///< every µ-law byte delivered, in order
  std::vector<std::string> pushed;  ///< every pushText, in order
  std::string pending;
  bool flushed = false;
  int flushes = 0;
  int failNext = 0;  ///< fail this many upcoming flushes
  explicit FakeTts(TtsListener& listener) : l(listener) {}
  void start() override {}
  void pushText(std::string_view t) override {
    pushed.emplace_back(t);
    pending += std::string(t) + " ";
  }
  void flush() override {
    flushed = true;
    ++flushes;
  }
  void cancel() override {
    pending.clear();
    flushed = false;
  }
  int audioSampleRate() const override { return ulaw ? 8000 : 16000; }
  TtsEncoding encoding() const override { return ulaw ? TtsEncoding::Ulaw : TtsEncoding::Pcm16; }
  void deliver() {
    if (!flushed) return;
    flushed = false;
    std::string text = std::move(pending);
    pending.clear();
    if (failNext > 0) {
      --failNext;
      return l.onTtsError({.message = "socket closed"});
    }
    std::vector<TtsWordTiming> words;
    std::vector<uint8_t> bytes;
    size_t i = 0;
    double at = 0;
    while (i < text.size()) {
      while (i < text.size() && text[i] == ' ') ++i;
      size_t b = i;
      while (i < text.size() && text[i] != ' ') ++i;
      if (b == i) break;
      words.push_back({text.substr(b, i - b), at, at + kWordMs});
      at += kWordMs;
      for (int s = 0; ulaw && s < kWordMs * 8; ++s) {
        bytes.push_back(static_cast<uint8_t>(s % 18 < 9 ? 0x1F + words.size() : 0x9F));
        sentUlaw.push_back(bytes.back());
      }
      for (int s = 0; !ulaw && s < kWordMs * 16; ++s) {
        auto v = static_cast<int16_t>(s % 36 < 18 ? 3000 : -3000);
        bytes.push_back(static_cast<uint8_t>(v & 0xff));
        bytes.push_back(static_cast<uint8_t>((v >> 8) & 0xff));
      }
    }
    l.onTtsAudio(bytes, 80);
    l.onTtsWords(words);
    l.onTtsDone();
  }
};

/// Tool rounds that finish after `delayMs` of clock time with results from `handler`.
struct FakeTools final : ToolExecutor {
  const core::ManualClock& clock;
  int delayMs = 0;
  std::function<std::string(const ToolCall&)> handler = [](const ToolCall&) {
    return std::string(R"({"status":"ok"})");
  };
  std::vector<ToolCall> calls;
  Done done;
  int64_t startNs = 0;
  int rounds = 0;
  explicit FakeTools(const core::ManualClock& c) : clock(c) {}
  void run(std::vector<ToolCall> c, Done d) override {
    calls = std::move(c);
    done = std::move(d);
    startNs = clock.monoNs();
    ++rounds;
  }
  void cancel() override { done = nullptr; }
  bool busy() const override { return done != nullptr; }
  void deliver() {
    if (!done || clock.monoNs() - startNs < int64_t{delayMs} * 1'000'000) return;
    std::vector<ToolResult> out;
    for (const auto& c : calls) {
      std::string json = handler(c);
      out.push_back(
          {c.id, c.name, json, double(delayMs), json.find("\"error\"") != std::string::npos});
    }
    auto d = std::move(done);
    done = nullptr;
    d(std::move(out));
  }
};

struct Recorder final : ConversationListener {
  std::vector<TurnState> states;
  std::vector<TranscriptLine> lines;
  std::vector<ToolCallRecord> tools;
  std::vector<TurnMetrics> turns;
  std::vector<BargeInRecord> bargeIns;
  std::string hangup;
  std::string keysSent;  ///< digits of every successful send_dtmf, in order
  void onConversationState(TurnState s, double) override { states.push_back(s); }
  void onConversationTranscript(const TranscriptLine& l) override { lines.push_back(l); }
  void onConversationToolCall(const ToolCallRecord& t) override { tools.push_back(t); }
  void onConversationTurnMetrics(const TurnMetrics& m) override { turns.push_back(m); }
  void onConversationBargeIn(const BargeInRecord& b) override { bargeIns.push_back(b); }
  void onConversationHangup(const std::string& reason) override { hangup = reason; }
  void onConversationSendKeys(const std::string& digits) override { keysSent += digits; }
};

/// One conversation with fakes, stepped 20 ms at a time.
struct Harness {
  core::ManualClock clock;
  FakeOut out;
  Recorder rec;
  FakeStt* stt = nullptr;
  FakeTts* tts = nullptr;
  FakeLlm* llm = nullptr;
  FakeTools* tools = nullptr;
  core::MetricsRegistry metrics;
  std::unique_ptr<Conversation> conv;
  int64_t steps = 0;

  explicit Harness(ConversationConfig config = {}, std::string greeting = "Hello, how can I help?",
                   bool aec = true, bool ulawTts = false) {
    ConversationParts p;
    p.makeStt = [this](SttListener& l) {
      auto s = std::make_unique<FakeStt>(l);
      stt = s.get();
      return s;
    };
    p.makeTts = [this, ulawTts](TtsListener& l) {
      auto t = std::make_unique<FakeTts>(l);
      t->ulaw = ulawTts;
      tts = t.get();
      return t;
    };
    auto l = std::make_unique<FakeLlm>();
    llm = l.get();
    llm->clock = &clock;
    p.llm = std::move(l);
    auto t = std::make_unique<FakeTools>(clock);
    tools = t.get();
    p.tools = std::move(t);
    p.toolSpecs = {{"check_availability", "", "{}"}, {"end_call", "", "{}"}};
    p.systemPrompt = "You are a receptionist.";
    p.greeting = std::move(greeting);
    p.legHasEchoCancellation = aec;
    conv = std::make_unique<Conversation>(clock, config, std::move(p), out, rec, metrics);
    conv->start();
  }
  double nowMs() const { return double(clock.monoNs()) / 1e6; }
  /// One 20 ms step with caller speech or silence.
  void step(bool speech = false) {
    clock.advance(std::chrono::milliseconds(20));
    ++steps;
    stt->deliver();
    llm->deliver();
    tools->deliver();
    tts->deliver();
    media::AudioFrame f;
    conv->onCallerAudio(f, {speech, speech ? 30.0 : 0.0});
    out.tick();
  }
  void run(int ms, bool speech = false) {
    for (int i = 0; i < ms / 20; ++i) step(speech);
  }
  /// Steps until `pred` or `maxMs`; returns whether pred became true.
  bool until(const std::function<bool()>& pred, int maxMs = 30000) {
    for (int i = 0; i < maxMs / 20; ++i) {
      if (pred()) return true;
      step();
    }
    return pred();
  }
  bool inState(TurnState s) const { return conv->state() == s; }
  /// The caller says `text` for `ms` (VAD speech), with the final returned on finalize().
  void say(const std::string& text, int ms = 800) {
    stt->onFinalize = text;
    run(ms, true);
  }
};

/// Asks for a long reply (the opening hours, 200 ms per word) and talks over it after 1 s of it
/// ("wait what about Saturday", the final on finalize()): steps until 300 ms after the caller's
/// onset, the step at which playout pauses (min_interruption_duration).
inline void interruptLongReply(Harness& h) {
  h.llm->scripts.push_back(
      {{"Our hours are nine to five on weekdays and nine to one on "
        "Saturday and we are closed on Sunday and holidays."}});
  h.say("when are you open", 800);
  REQUIRE(h.until([&] { return h.inState(TurnState::AgentSpeaking); }, 3000));
  h.run(1000);  // the agent talks for 1 s: five 200 ms words
  h.stt->onFinalize = "wait what about Saturday";
  h.run(300, true);  // speech onset + 280 ms: still below min_interruption_duration
  CHECK(h.inState(TurnState::AgentSpeaking));
  h.step(true);  // 300 ms after the onset: playout pauses
}

}  // namespace parley::dialog::test
