#include "tests/agent/bench/BenchWorker.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "agent/SessionRegistry.hpp"
#include "agent/WorkerContext.hpp"
#include "agent/session/Session.hpp"
#include "core/Clock.hpp"
#include "core/Log.hpp"
#include "core/LoopThread.hpp"
#include "core/ProcessStats.hpp"
#include "dialog/net/CurlMulti.hpp"
#include "dialog/net/WsClientContext.hpp"
#include "media/Pacer.hpp"
#include "media/sip/SipLeg.hpp"
#include "tests/agent/bench/BenchUtil.hpp"
#include "tools/Tenant.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

namespace parley::bench {
namespace {

using nlohmann::json;

/// A pacer sender that only records how late each tick reached it. Registered first on a
/// loop's pacer it sees the tick fire (what parley_pacer_send_jitter_seconds records);
/// registered last it sees when the last call's frame of that tick has been sent.
struct TickProbe final : media::PacedSender {
  bool recording = false;
  std::vector<int64_t> lateNs;
  void onPacerTick(int64_t deadlineNs) override {
    if (recording) lateNs.push_back(monoNs() - deadlineNs);
  }
};

/// Per-call observer: turn latencies with the monotonic time of the turn's end (the moment
/// the conversation went Thinking), barge-ins, and how the call ended.
struct CallProbe final : agent::SessionObserver {
  int index = 0;
  bool recording = false;
  int64_t thinkingNs = 0;
  json turns = json::array();
  json bargeIns = json::array();
  bool ended = false;
  std::string endReason;

  void onSessionState(dialog::TurnState state, double) override {
    if (state == dialog::TurnState::Thinking) thinkingNs = monoNs();
  }
  void onSessionTurnMetrics(const dialog::TurnMetrics& m) override {
    if (!recording) return;
    turns.push_back({index, thinkingNs, m.endOfUtteranceDelayMs, m.sttFinalLatencyMs,
                     m.llmTimeToFirstTokenMs, m.ttsTimeToFirstByteMs, m.voiceToVoiceMs,
                     m.interrupted});
  }
  void onSessionBargeIn(const dialog::BargeInRecord& b) override {
    if (recording)
      bargeIns.push_back({index, monoNs(), b.onsetToDecisionMs, b.decisionToStoppedMs});
  }
  void onSessionEnded(const dialog::CallRecord& r) override {
    ended = true;
    endReason = r.endReason;
  }
};

struct Call {
  int index = 0;
  std::weak_ptr<agent::Session> session;
  std::unique_ptr<CallProbe> probe;
  /// Registered on the pacer right after this call's leg: sees when its frame has been sent.
  std::unique_ptr<TickProbe> sent;
  media::sip::SipLeg* leg = nullptr;  ///< owned by the session; valid while it has not ended
  media::JitterBufferStats jbMark;
  media::sip::SipLegStats legMark;
};

/// One media loop as agent/Worker.cpp builds it, plus the bench's probes.
struct LoopState {
  agent::MediaLoop ml;
  TickProbe first, last;
  std::vector<Call> calls;
  double cpuMark = 0;
  uint64_t skippedMark = 0, ticksMark = 0;
};

struct WorkerState {
  std::vector<std::unique_ptr<LoopState>> loops;
  agent::SessionRegistry registry;
  std::shared_ptr<const tools::Tenant> tenant;
  std::shared_ptr<tools::BookingStore> store;
  double cpuMark = 0;
  int64_t wallMark = 0;
  uint64_t rssBaseline = 0;
};

template <typename F>
auto onLoop(LoopState& ls, F&& fn) -> decltype(fn()) {
  std::promise<decltype(fn())> p;
  ls.ml.thread->post([&] {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      p.set_value();
    } else {
      p.set_value(fn());
    }
  });
  return p.get_future().get();
}

void startLoops(WorkerState& w, unsigned threads) {
  const bool ftz = std::getenv("BENCH_FTZ") != nullptr && *std::getenv("BENCH_FTZ") != '\0';
  for (unsigned i = 0; i < threads; ++i) {
    auto ls = std::make_unique<LoopState>();
    ls->ml.index = i;
    ls->ml.thread = std::make_unique<core::LoopThread>("media-" + std::to_string(i));
    LoopState* l = ls.get();
    onLoop(*l, [l, ftz] {
#if defined(__SSE__)
      // BENCH_FTZ=1: flush denormals to zero on the media threads (MXCSR FTZ|DAZ) — shows what
      // the worker costs once its IIR filters stop decaying into denormals (see README).
      if (ftz) _mm_setcsr(_mm_getcsr() | 0x8040);
#endif
      uv_loop_t* uv = l->ml.thread->loop();
      l->ml.pacer =
          std::make_unique<media::Pacer>(uv, core::SystemClock::instance(), l->ml.thread->name());
      l->ml.ws = std::make_unique<dialog::WsClientContext>(uv);
      l->ml.http = std::make_unique<dialog::CurlMulti>(uv);
      l->ml.pacer->add(&l->first);
      l->ml.pacer->add(&l->last);
    });
    w.loops.push_back(std::move(ls));
  }
}

json start(WorkerState& w, const json& cmd) {
  const std::string codec = cmd.at("codec");
  const int calls = cmd.at("calls");
  const int rtpBase = cmd.at("rtpBase");
  auto client = core::SocketAddress::parse(cmd.at("client").get<std::string>());
  if (!client) return {{"ok", false}, {"error", "bad client address"}};
  if (!w.tenant) {
    w.tenant = std::make_shared<const tools::Tenant>(
        tools::loadTenantFile(cmd.at("tenant").get<std::string>()));
    auto dir = std::filesystem::temp_directory_path() /
               ("parley-bench-calls-" + std::to_string(::getpid()));
    w.store = std::make_shared<tools::SqliteBookingStore>(dir / "bookings.db");
  }
  agent::ProviderSettings providers;
  providers.stt.url = cmd.at("stt");
  providers.llm.baseUrl = cmd.at("llm");
  providers.tts.url = cmd.at("tts");
  const bool aec = cmd.value("aec", false);
  media::sip::SdpChoice choice;
  if (codec == "opus") {
    choice = {media::sip::SipCodec::Opus, 111, 48000, -1, 8000};
  } else if (codec == "pcmu") {
    choice = {media::sip::SipCodec::Pcmu, 0, 8000, -1, 8000};
  } else {
    return {{"ok", false}, {"error", "codec must be pcmu or opus"}};
  }
  w.rssBaseline = core::processResidentBytes();
  json errors = json::array();
  const size_t nLoops = w.loops.size();
  // Calls arrive at `rampPerSecond` (a trunk does not deliver a thousand INVITEs in one
  // instant): batches every 100 ms, each spread over the loops as Worker::pickLoop would.
  const int perSecond = std::max(1, cmd.value("rampPerSecond", 200));
  const int batch = std::max(1, perSecond / 10);
  for (int from = 0; from < calls; from += batch) {
    const int to = std::min(calls, from + batch);
    if (from > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (size_t li = 0; li < nLoops; ++li) {
      LoopState& ls = *w.loops[li];
      json e = onLoop(ls, [&]() -> json {
        json errs = json::array();
        uv_loop_t* uv = ls.ml.thread->loop();
        for (int i = from +
                     static_cast<int>((li + nLoops - static_cast<size_t>(from) % nLoops) % nLoops);
             i < to; i += static_cast<int>(nLoops)) {
          try {
            media::sip::SipLegConfig c;
            c.id = "bench-" + std::to_string(i);
            c.rtpBind = *core::SocketAddress::fromHostPort("127.0.0.1",
                                                           static_cast<uint16_t>(rtpBase + 2 * i));
            c.remote = *client;
            c.choice = choice;
            auto leg = std::make_unique<media::sip::SipLeg>(
                uv, *ls.ml.pacer, core::SystemClock::instance(), c, nullptr);
            Call call;
            call.index = i;
            call.leg = leg.get();
            call.probe = std::make_unique<CallProbe>();
            call.probe->index = i;
            agent::SessionParams p;
            p.tenant = w.tenant;
            p.leg = std::move(leg);
            p.callerNumber = "+1555" + std::to_string(1000000 + i);
            p.callId = c.id;
            p.providers = providers;
            p.store = w.store;
            p.legHasEchoCancellation = aec;
            auto s = agent::Session::start(ls.ml, w.registry, std::move(p));
            s->addObserver(call.probe.get());
            call.sent = std::make_unique<TickProbe>();
            ls.ml.pacer->add(call.sent.get());
            call.session = s;
            ls.calls.push_back(std::move(call));
          } catch (const std::exception& ex) {
            errs.push_back("call " + std::to_string(i) + ": " + ex.what());
          }
        }
        // The end-of-tick probe goes after every call so it sees the whole burst.
        ls.ml.pacer->remove(&ls.last);
        ls.ml.pacer->add(&ls.last);
        return errs;
      });
      for (auto& x : e) errors.push_back(x);
    }
  }
  return {{"ok", errors.empty()},
          {"rssBaseline", w.rssBaseline},
          {"started", w.registry.active()},
          {"errors", errors}};
}

json mark(WorkerState& w) {
  for (auto& l : w.loops) {
    LoopState& ls = *l;
    onLoop(ls, [&] {
      ls.first.lateNs.clear();
      ls.last.lateNs.clear();
      ls.first.recording = ls.last.recording = true;
      ls.cpuMark = threadCpuS();
      ls.skippedMark = ls.ml.pacer->skippedTicks();
      ls.ticksMark = ls.ml.pacer->ticks();
      for (auto& c : ls.calls) {
        c.sent->lateNs.clear();
        c.sent->lateNs.reserve(4096);
        c.sent->recording = true;
        c.probe->recording = true;
        c.probe->turns = json::array();
        c.probe->bargeIns = json::array();
        auto s = c.session.lock();
        if (s && !s->ended()) {
          c.jbMark = c.leg->jitterStats();
          c.legMark = c.leg->stats();
        }
      }
    });
  }
  w.cpuMark = core::processCpuSeconds();
  w.wallMark = monoNs();
  return {{"ok", true}, {"monoNs", w.wallMark}};
}

/// p50/p99/max of `v` (ms), nearest rank.
json summary(std::vector<double>& v) {
  if (v.empty()) return {{"n", 0}};
  std::sort(v.begin(), v.end());
  return {{"p50", round2(quantileSorted(v, 0.5))},
          {"p99", round2(quantileSorted(v, 0.99))},
          {"max", round2(v.back())},
          {"n", v.size()}};
}

json stats(WorkerState& w) {
  const double cpu = core::processCpuSeconds() - w.cpuMark;
  const double wall = static_cast<double>(monoNs() - w.wallMark) / 1e9;
  json out{{"ok", true},
           {"cpuS", cpu},
           {"wallS", wall},
           {"rss", core::processResidentBytes()},
           {"rssBaseline", w.rssBaseline},
           {"fds", core::processOpenFds()}};
  json loops = json::array(), turns = json::array(), bargeIns = json::array();
  json firstLate = json::array(), lastLate = json::array(), endReasons = json::object();
  uint64_t jbLost = 0, jbLate = 0, jbConcealed = 0, jbAccelerated = 0, jbPackets = 0, jbInvalid = 0,
           rtpSent = 0, rtpReceived = 0, legDropped = 0;
  int ended = 0, alive = 0;
  std::vector<double> sendLate, ipdv;
  double jbDelaySum = 0;
  for (auto& l : w.loops) {
    LoopState& ls = *l;
    onLoop(ls, [&] {
      ls.first.recording = ls.last.recording = false;
      for (auto v : ls.first.lateNs) firstLate.push_back(v);
      for (auto v : ls.last.lateNs) lastLate.push_back(v);
      loops.push_back({{"cpuS", threadCpuS() - ls.cpuMark},
                       {"calls", ls.calls.size()},
                       {"ticks", ls.ml.pacer->ticks() - ls.ticksMark},
                       {"skippedTicks", ls.ml.pacer->skippedTicks() - ls.skippedMark}});
      for (auto& c : ls.calls) {
        c.sent->recording = false;
        const auto& v = c.sent->lateNs;
        for (size_t i = 0; i < v.size(); ++i) {
          sendLate.push_back(static_cast<double>(v[i]) / 1e6);
          if (i > 0) ipdv.push_back(std::abs(static_cast<double>(v[i] - v[i - 1])) / 1e6);
        }
        c.probe->recording = false;
        for (auto& t : c.probe->turns) turns.push_back(t);
        for (auto& b : c.probe->bargeIns) bargeIns.push_back(b);
        auto s = c.session.lock();
        if (!s || s->ended()) {
          ++ended;
          std::string r = c.probe->endReason.empty() ? "?" : c.probe->endReason;
          endReasons[r] = endReasons.value(r, 0) + 1;
          continue;
        }
        ++alive;
        const auto& jb = c.leg->jitterStats();
        const auto& st = c.leg->stats();
        jbDelaySum += jb.currentDelayMs;
        jbLost += jb.lost - c.jbMark.lost;
        jbLate += jb.late - c.jbMark.late;
        jbConcealed += jb.concealedFrames - c.jbMark.concealedFrames;
        jbAccelerated += jb.acceleratedFrames - c.jbMark.acceleratedFrames;
        jbPackets += jb.packets - c.jbMark.packets;
        jbInvalid += jb.invalid - c.jbMark.invalid;
        rtpSent += st.rtpSent - c.legMark.rtpSent;
        rtpReceived += st.rtpReceived - c.legMark.rtpReceived;
        legDropped += st.dropped - c.legMark.dropped;
      }
    });
  }
  out["loops"] = loops;
  out["turns"] = turns;
  out["bargeIns"] = bargeIns;
  out["tickFirstLateNs"] = firstLate;
  out["tickLastLateNs"] = lastLate;
  out["frameSendLateMs"] = summary(sendLate);
  out["frameIpdvMs"] = summary(ipdv);
  out["callsAlive"] = alive;
  out["callsEnded"] = ended;
  out["endReasons"] = endReasons;
  out["jitterBufferMeanDelayMs"] = alive ? jbDelaySum / alive : -1.0;
  out["jitterBuffer"] = {{"packets", jbPackets},     {"lost", jbLost},
                         {"late", jbLate},           {"invalid", jbInvalid},
                         {"concealed", jbConcealed}, {"accelerated", jbAccelerated}};
  out["rtp"] = {{"sent", rtpSent}, {"received", rtpReceived}, {"dropped", legDropped}};
  return out;
}

void stopAll(WorkerState& w) {
  for (auto& l : w.loops) {
    LoopState& ls = *l;
    onLoop(ls, [&] {
      for (auto& c : ls.calls)
        if (auto s = c.session.lock()) s->hangup();
    });
  }
  for (int i = 0; i < 500 && w.registry.active() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void reply(const json& j) {
  std::string s = j.dump();
  s.push_back('\n');
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int runBenchWorker() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  core::LogSettings quiet;
  quiet.level = core::LogLevel::Warn;
  quiet.format = core::LogFormat::Text;
  core::setupLogging(quiet);
  WorkerState w;
  const char* t = std::getenv("BENCH_THREADS");
  unsigned threads = t ? static_cast<unsigned>(std::atoi(t)) : std::thread::hardware_concurrency();
  startLoops(w, std::max(1u, threads));
  std::string line;
  while (std::getline(std::cin, line)) {
    json cmd = json::parse(line, nullptr, false);
    if (!cmd.is_object()) {
      reply({{"ok", false}, {"error", "not JSON"}});
      continue;
    }
    const std::string c = cmd.value("cmd", "");
    try {
      if (c == "start") {
        reply(start(w, cmd));
      } else if (c == "mark") {
        reply(mark(w));
      } else if (c == "stats") {
        reply(stats(w));
      } else if (c == "stop") {
        stopAll(w);
        reply({{"ok", true}, {"active", w.registry.active()}});
        break;
      } else {
        reply({{"ok", false}, {"error", "unknown cmd " + c}});
      }
    } catch (const std::exception& e) {
      reply({{"ok", false}, {"error", e.what()}});
    }
  }
  // Sessions, legs and loop services are not torn down one by one: the process ends here.
  std::fflush(stderr);
  std::_Exit(0);
}

}  // namespace parley::bench
