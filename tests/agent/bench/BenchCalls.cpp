// Concurrent-call benchmark of the worker (issue 11 "Benchmarks"), run by scripts/bench-calls.
//
// For each codec (Opus 48 kHz-clock RTP, WebRTC-style; PCMU 8 kHz RTP, SIP-style) and each
// N in its list, a fresh worker process (`parley_bench_calls --worker`, BenchWorker.cpp) runs
// N real sessions on real SIP RTP legs on the worker's media-loop setup, while this process is
// the load client: N callers on loopback (LoadClient.cpp) and the instant provider peers
// (BenchPeers.cpp). After a warm-up, one measurement window; then the worker is stopped.
//
// Reported per N (JSON on stdout):
//   worker CPU per call-second (process CPU time of the worker ÷ (N × window));
//   RSS per call ((RSS at the end − RSS before the calls) ÷ N);
//   pacing: how late each 20 ms tick fired (= parley_pacer_send_jitter_seconds) and how late
//     the LAST call's frame of each tick was sent (the burst), p50/p99/max;
//   frames dropped: pacer ticks skipped × calls, outbound sequence gaps seen by the callers,
//     inbound jitter-buffer losses/late/accelerated frames;
//   voice-to-voice: caller's last speech frame sent → first agent audio received (wire), and
//     pipeline-added = wire − end-of-utterance delay (VAD silence ≥ min_endpointing_delay and
//     the STT final: turn-taking policy) − LLM time to first token − TTS time to first byte
//     (provider time), matched per turn across the two processes by CLOCK_MONOTONIC;
//   barge-in: caller onset while the agent talks → last agent audio received (includes the
//     min_interruption_duration policy, 300 ms), and the worker's decision → playout flushed;
//   and raw libopus encode+decode cost per call-second with the same audio, the ratio
//   worker ÷ raw codec, and the largest N with the burst p99 ≤ 5 ms and no dropped frame.
//
// Usage: parley_bench_calls CALLER_8K.wav CALLER_48K.wav AGENT_16K.wav TENANT.yaml
// Env: BENCH_OPUS_CALLS (50,100,200,300), BENCH_G711_CALLS (200,500,1000), BENCH_SECONDS (15),
//      BENCH_WARMUP (5, after the last call started), BENCH_RAMP (calls started per second,
//      200), BENCH_CYCLE (5 s of caller cycle: utterance then silence),
//      BENCH_THREADS (worker media loops, default cores), BENCH_RTP_BASE (22000),
//      BENCH_WORKER_LOG (worker stderr, default /dev/null), BENCH_KEEP_GOING (run larger N
//      after an overloaded step), BENCH_PERF_DIR (perf record -g of the worker during each
//      window into DIR/perf-<codec>-<N>.data), BENCH_FTZ=1 (media threads flush denormals to
//      zero: the cost once no filter decays into denormals).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/Log.hpp"
#include "media/AudioFrame.hpp"
#include "media/Vad.hpp"
#include "media/WavFile.hpp"
#include "media/codec/G711.hpp"
#include "media/codec/G711Codec.hpp"
#include "media/codec/OpusCodec.hpp"
#include "tests/agent/bench/BenchPeers.hpp"
#include "tests/agent/bench/BenchUtil.hpp"
#include "tests/agent/bench/BenchWorker.hpp"
#include "tests/agent/bench/LoadClient.hpp"

extern char** environ;

namespace parley::bench {
namespace {

using nlohmann::json;

/// The conversation's default min_interruption_duration (ConversationConfig), ms.
constexpr double kInterruptionPolicyMs = 300;

double processCpuS() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}
std::string env(const char* name, const std::string& def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}
std::vector<int> intList(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');)
    if (!x.empty()) out.push_back(std::stoi(x));
  return out;
}

/// Nearest-rank quantile of `v` (sorted copy); -1 when empty.
double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return quantileSorted(v, q);
}
json dist(const std::vector<double>& v, bool withMax = false) {
  json j{{"p50", round2(quantile(v, 0.5))}, {"p99", round2(quantile(v, 0.99))}, {"n", v.size()}};
  if (withMax) j["max"] = round2(v.empty() ? -1 : *std::max_element(v.begin(), v.end()));
  return j;
}

// ---- machine ---------------------------------------------------------------------------------

json machine() {
  json m;
  m["cores"] = std::thread::hardware_concurrency();
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);)
    if (line.rfind("model name", 0) == 0) {
      m["cpuModel"] = line.substr(line.find(':') + 2);
      break;
    }
  utsname u{};
  if (uname(&u) == 0) m["kernel"] = std::string(u.sysname) + " " + u.release;
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) m["loadAvg1AtStart"] = load[0];
  errno = 0;
  m["niceOfBench"] = getpriority(PRIO_PROCESS, 0);
  std::ifstream ag("/proc/self/autogroup");
  std::string group;
  if (std::getline(ag, group)) m["schedAutogroup"] = group;
  return m;
}

// ---- caller audio ------------------------------------------------------------------------------

/// Speech frames: RMS above -45 dBFS (flite output is digitally silent between utterances).
bool speechFrame(const int16_t* s, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; ++i) e += static_cast<double>(s[i]) * s[i];
  return std::sqrt(e / static_cast<double>(n)) > 32768.0 * std::pow(10.0, -45.0 / 20);
}

std::vector<int16_t> mono(const media::PcmAudio& a, int rate, const std::string& what) {
  if (a.sampleRate != rate || a.channels != 1)
    throw std::runtime_error(what + " must be mono " + std::to_string(rate) + " Hz");
  return a.samples;
}

/// Utterance at the start of the cycle, silence after; `rate` 8000 (PCMU) or 48000 (Opus).
CallerCycle makeCycle(const std::vector<int16_t>& utterance, int rate, bool opus, double cycleS) {
  CallerCycle c;
  const size_t frame = static_cast<size_t>(rate / 50);
  const auto frames = static_cast<size_t>(cycleS * 50);
  std::vector<int16_t> pcm(frames * frame, 0);
  std::copy_n(utterance.begin(), std::min(utterance.size(), pcm.size()), pcm.begin());
  c.onsetFrame = -1;
  for (size_t f = 0; f < frames; ++f) {
    if (f * frame < utterance.size() && speechFrame(&pcm[f * frame], frame)) {
      if (c.onsetFrame < 0) c.onsetFrame = static_cast<int>(f);
      c.lastSpeechFrame = static_cast<int>(f);
    }
  }
  if (c.onsetFrame < 0) throw std::runtime_error("caller audio has no speech");
  if (opus) {
    media::OpusEncoderConfig ec;
    ec.inputRate = 48000;
    ec.bitrate = 32000;  // a browser's default for mono voice
    media::OpusAudioEncoder enc(ec);
    std::vector<uint8_t> out(media::OpusAudioEncoder::kMaxPacket);
    for (size_t f = 0; f < frames; ++f) {
      int n = enc.encodePcm(std::span<const int16_t>(&pcm[f * frame], frame), out);
      if (n <= 0) throw std::runtime_error("opus encode failed");
      c.payloads.emplace_back(out.begin(), out.begin() + n);
    }
    c.payloadType = 111;
    c.ticksPerFrame = 960;
  } else {
    for (size_t f = 0; f < frames; ++f) {
      std::vector<uint8_t> out(frame);
      media::g711::encodeUlaw(std::span<const int16_t>(&pcm[f * frame], frame), out);
      c.payloads.push_back(std::move(out));
    }
    c.payloadType = 0;
    c.ticksPerFrame = 160;
  }
  return c;
}

/// Largest packet the worker's encoder (OpusAudioEncoder defaults, as in SipLeg) makes for the
/// silent frames after speech; longer packets carry agent audio.
size_t opusSilenceMaxBytes(const std::vector<int16_t>& agent16k) {
  media::OpusAudioEncoder enc;
  std::vector<uint8_t> out(media::OpusAudioEncoder::kMaxPacket);
  const size_t n = media::kFrameSamples;
  for (size_t at = 0; at + n <= agent16k.size(); at += n)
    enc.encodePcm(std::span<const int16_t>(&agent16k[at], n), out);
  std::vector<int16_t> zero(n, 0);
  size_t most = 3;
  for (int i = 0; i < 10; ++i)
    most = std::max(most, static_cast<size_t>(std::max(0, enc.encodePcm(zero, out))));
  return most;
}

// ---- raw codec cost -------------------------------------------------------------------------

/// µs of this thread's CPU per 20 ms frame: decoding the caller cycle (as the worker's jitter
/// buffer does, 16 kHz out) and encoding the agent's speech (the worker's encoder settings).
json rawCodec(const CallerCycle& opusCycle, const CallerCycle& pcmuCycle,
              const std::vector<int16_t>& agent16k) {
  auto timeLoop = [](auto&& once, size_t framesPerOnce) {
    size_t frames = 0;
    double t0 = threadCpuS(), t = t0;
    while (t - t0 < 1.0) {
      once();
      frames += framesPerOnce;
      t = threadCpuS();
    }
    return (t - t0) * 1e6 / static_cast<double>(frames);
  };
  std::vector<int16_t> pcm(5760);
  const size_t n = media::kFrameSamples;
  const size_t agentFrames = agent16k.size() / n;
  json out;
  {
    media::OpusAudioDecoder dec;
    double decUs = timeLoop(
        [&] {
          for (const auto& p : opusCycle.payloads) dec.decode(p, pcm);
        },
        opusCycle.payloads.size());
    media::OpusAudioEncoder enc;
    std::vector<uint8_t> buf(media::OpusAudioEncoder::kMaxPacket);
    double encUs = timeLoop(
        [&] {
          for (size_t f = 0; f < agentFrames; ++f)
            enc.encodePcm(std::span<const int16_t>(&agent16k[f * n], n), buf);
        },
        agentFrames);
    out["opus"] = {{"decodeUsPerFrame", round2(decUs)},
                   {"encodeUsPerSpeechFrame", round2(encUs)},
                   {"what",
                    "libopus via media::OpusAudioDecoder (caller cycle, 48 kHz-clock "
                    "packets to 16 kHz) and media::OpusAudioEncoder (agent speech, "
                    "16 kHz, 24 kb/s, complexity 5) on one thread"}};
  }
  {
    std::vector<uint8_t> buf(160);
    std::vector<int16_t> pcm8(160);
    double decUs = timeLoop(
        [&] {
          for (const auto& p : pcmuCycle.payloads) media::g711::decodeUlaw(p, pcm8);
        },
        pcmuCycle.payloads.size());
    double encUs = timeLoop(
        [&] {
          for (size_t f = 0; f + 1 < agentFrames; ++f)
            media::g711::encodeUlaw(std::span<const int16_t>(&agent16k[f * n], 160), buf);
        },
        agentFrames - 1);
    // The G.711 leg also resamples 8 <-> 16 kHz: measured with the codec classes it uses.
    media::G711Decoder dec(media::G711Law::Ulaw);
    media::G711Encoder enc(media::G711Law::Ulaw);
    double decClassUs = timeLoop(
        [&] {
          for (const auto& p : pcmuCycle.payloads) dec.decode(p, pcm);
        },
        pcmuCycle.payloads.size());
    media::AudioFrame frame;
    double encClassUs = timeLoop(
        [&] {
          for (size_t f = 0; f < agentFrames; ++f) {
            std::copy_n(&agent16k[f * n], n, frame.samples.begin());
            enc.encode(frame, buf);
          }
        },
        agentFrames);
    out["pcmu"] = {{"decodeUsPerFrame", round2(decUs)},
                   {"encodeUsPerSpeechFrame", round2(encUs)},
                   {"withResamplingDecodeUsPerFrame", round2(decClassUs)},
                   {"withResamplingEncodeUsPerFrame", round2(encClassUs)}};
  }
  return out;
}

// ---- worker process ---------------------------------------------------------------------------

class WorkerProcess {
 public:
  explicit WorkerProcess(const std::string& logPath) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::string self = "/proc/self/exe";
    char arg0[] = "parley_bench_calls";
    char arg1[] = "--worker";
    char* argv[] = {arg0, arg1, nullptr};
    int rc = posix_spawn(&pid_, self.c_str(), &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
    to_ = fdopen(in[1], "w");
    from_ = fdopen(out[0], "r");
  }
  ~WorkerProcess() {
    if (to_) fclose(to_);
    if (from_) fclose(from_);
    if (pid_ > 0) {
      int status = 0;
      for (int i = 0; i < 100; ++i) {
        if (waitpid(pid_, &status, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  json call(const json& cmd) {
    std::string s = cmd.dump() + "\n";
    std::fwrite(s.data(), 1, s.size(), to_);
    std::fflush(to_);
    std::string line;
    char buf[65536];
    while (std::fgets(buf, sizeof buf, from_)) {
      line += buf;
      if (!line.empty() && line.back() == '\n') break;
    }
    json r = json::parse(line, nullptr, false);
    if (!r.is_object()) throw std::runtime_error("worker died or answered garbage");
    return r;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

// ---- one step ---------------------------------------------------------------------------------

struct Inputs {
  CallerCycle opusCycle, pcmuCycle;
  std::vector<int16_t> agent16k;
  size_t opusSilenceMax = 8;
  std::string tenant;
  double stepS = 15, warmupS = 5, cycleS = 5;
  uint16_t rtpBase = 22000;
  std::string workerLog = "/dev/null";
  std::string perfDir;
  int rampPerSecond = 200;
  json raw;
};

/// Latest value in sorted `v` that is ≤ t, or 0.
int64_t latestAtOrBefore(const std::vector<int64_t>& v, int64_t t) {
  auto it = std::upper_bound(v.begin(), v.end(), t);
  return it == v.begin() ? 0 : *(it - 1);
}

json runStep(const Inputs& in, bool opus, int calls) {
  BenchPeers peers(in.agent16k);
  LoadConfig lc;
  lc.calls = calls;
  lc.rtpBase = in.rtpBase;
  lc.cycle = opus ? &in.opusCycle : &in.pcmuCycle;
  lc.opus = opus;
  lc.opusSilenceMaxBytes = in.opusSilenceMax;
  LoadClient client(lc);
  WorkerProcess worker(in.workerLog);

  const int64_t setup0 = monoNs();
  json started = worker.call({{"cmd", "start"},
                              {"codec", opus ? "opus" : "pcmu"},
                              {"calls", calls},
                              {"rtpBase", in.rtpBase},
                              {"client", "127.0.0.1:" + std::to_string(client.port())},
                              {"stt", peers.stt.url()},
                              {"llm", peers.llm.baseUrl("instant")},
                              {"tts", peers.tts.url()},
                              // WebRTC-style legs come from browsers with echo cancellation.
                              {"aec", opus},
                              {"tenant", in.tenant},
                              {"rampPerSecond", in.rampPerSecond}});
  const double setupS = static_cast<double>(monoNs() - setup0) / 1e9;
  if (started.value("started", 0) == 0)
    throw std::runtime_error("the worker started no call: " + started.dump());
  client.start();
  std::this_thread::sleep_for(std::chrono::duration<double>(in.warmupS));
  json mark = worker.call({{"cmd", "mark"}});
  const int64_t w0 = mark.value("monoNs", int64_t{0});
  const double clientCpu0 = processCpuS();
  pid_t perf = -1;
  if (!in.perfDir.empty()) {  // BENCH_PERF_DIR: sample the worker during the window
    std::string out =
        in.perfDir + "/perf-" + (opus ? "opus-" : "pcmu-") + std::to_string(calls) + ".data";
    std::string pid = std::to_string(worker.pid());
    std::string secs = std::to_string(static_cast<int>(in.stepS));
    const char* argv[] = {"perf",      "record", "-q",        "-F", "499",   "-g",         "-p",
                          pid.c_str(), "-o",     out.c_str(), "--", "sleep", secs.c_str(), nullptr};
    if (posix_spawnp(&perf, "perf", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
      perf = -1;
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(in.stepS));
  if (perf > 0) {
    int status = 0;
    waitpid(perf, &status, 0);
  }
  json st = worker.call({{"cmd", "stats"}});
  const int64_t w1 = monoNs();
  const double clientCpu = processCpuS() - clientCpu0;
  client.stop();
  worker.call({{"cmd", "stop"}});

  json r;
  r["calls"] = calls;
  r["setupS"] = round2(setupS);
  if (!started.value("ok", false)) r["startErrors"] = started.value("errors", json());
  const double wall = st.value("wallS", in.stepS);
  const double callSeconds = static_cast<double>(calls) * wall;
  const double cpu = st.value("cpuS", 0.0);
  r["workerCpuCoreFraction"] = round2(cpu / wall);
  r["workerCpuUsPerCallSecond"] = round2(cpu * 1e6 / callSeconds);
  r["workerCpuPctOfCorePerCall"] = std::round(cpu / callSeconds * 1e5) / 1e3;
  json loops = json::array();
  for (auto& l : st["loops"])
    loops.push_back({{"calls", l["calls"]},
                     {"cpuCoreFraction", round2(l["cpuS"].get<double>() / wall)},
                     {"skippedTicks", l["skippedTicks"]}});
  r["mediaLoops"] = loops;
  const double rss = st.value("rss", 0.0), rss0 = st.value("rssBaseline", 0.0);
  r["rssMiB"] = round2(rss / 1048576);
  r["rssPerCallKiB"] = round2((rss - rss0) / 1024 / calls);
  r["openFds"] = st["fds"];

  // Pacing.
  std::vector<double> first, last;
  for (auto& v : st["tickFirstLateNs"]) first.push_back(v.get<double>() / 1e6);
  for (auto& v : st["tickLastLateNs"]) last.push_back(v.get<double>() / 1e6);
  // tickFired: how late the 20 ms tick fired (parley_pacer_send_jitter_seconds);
  // frameSent: how late each call's frame left (the tick plus the calls served before it);
  // jitterIpdv: per call, change of that lateness between consecutive frames (RFC 5481 IPDV:
  // the jitter the far end sees); lastFrameOfTickSent: the end of each tick's burst.
  r["pacingMs"] = {{"tickFired", dist(first, true)},
                   {"frameSent", st["frameSendLateMs"]},
                   {"jitterIpdv", st["frameIpdvMs"]},
                   {"lastFrameOfTickSent", dist(last, true)}};

  // Caller-side view.
  const auto& recs = client.records();
  uint64_t gaps = 0, received = 0, agentAudio = 0;
  for (const auto& rec : recs) {
    gaps += rec.seqGaps;
    received += rec.received;
    agentAudio += rec.agentAudio;
  }
  std::vector<double> sendLate;
  for (auto v : client.sendLateNs()) sendLate.push_back(static_cast<double>(v) / 1e6);
  const double agentTalkFraction =
      received ? static_cast<double>(agentAudio) / static_cast<double>(received) : 0;

  // Dropped frames.
  uint64_t skippedFrames = 0;
  for (auto& l : st["loops"])
    skippedFrames += l["skippedTicks"].get<uint64_t>() * l["calls"].get<uint64_t>();
  const json& jb = st["jitterBuffer"];
  const uint64_t inboundDropped =
      jb["lost"].get<uint64_t>() + jb["late"].get<uint64_t>() + jb["accelerated"].get<uint64_t>();
  r["framesDropped"] = {{"total", skippedFrames + gaps + inboundDropped},
                        {"pacerSkipped", skippedFrames},
                        {"outboundMissingAtCaller", gaps},
                        {"inboundJitterBuffer", jb},
                        {"callsEnded", st["callsEnded"]},
                        {"endReasons", st["endReasons"]}};

  // Voice-to-voice, matched per turn.
  std::vector<double> wireV2v, pipeline, beyondHangover, inWorker, inbound, outbound, eou,
      providers;
  int turns = 0, matched = 0;
  std::map<std::string, int> unmatched;
  for (auto& t : st["turns"]) {
    ++turns;
    const auto idx = t[0].get<size_t>();
    const auto thinking = t[1].get<int64_t>();
    const double e = t[2], ttft = t[4], ttfb = t[5], v2v = t[6];
    if (idx >= recs.size() || thinking < w0) {
      ++unmatched["turnBeforeWindow"];
      continue;
    }
    if (e < 0 || ttft < 0 || ttfb < 0 || v2v < 0) {
      ++unmatched["latencyMissing"];
      continue;
    }
    const int64_t lastSpeechW = thinking - static_cast<int64_t>(e * 1e6);
    const int64_t queued = lastSpeechW + static_cast<int64_t>(v2v * 1e6);
    // The VAD may end a frame or two before the caller's last frame above -45 dBFS: look a
    // little past it (the next utterance is a whole cycle away).
    const int64_t sent = latestAtOrBefore(recs[idx].lastSpeechSentNs, lastSpeechW + 200'000'000);
    if (sent == 0 || lastSpeechW - sent > 1'000'000'000) {
      ++unmatched["noCallerUtterance"];
      continue;
    }
    int64_t heard = 0;
    for (const auto& run : recs[idx].agentRuns)
      if (run.first >= queued - 2'000'000) {
        heard = run.first;
        break;
      }
    if (heard == 0 || heard - queued > 1'000'000'000) {
      ++unmatched["noAgentAudioHeard"];
      continue;
    }
    ++matched;
    const double wire = static_cast<double>(heard - sent) / 1e6;
    wireV2v.push_back(wire);
    pipeline.push_back(wire - e - ttft - ttfb);
    beyondHangover.push_back(wire - e - ttft - ttfb - media::VadConfig{}.hangoverMs);
    inWorker.push_back(v2v - e - ttft - ttfb);
    inbound.push_back(static_cast<double>(lastSpeechW - sent) / 1e6);
    outbound.push_back(static_cast<double>(heard - queued) / 1e6);
    eou.push_back(e);
    providers.push_back(ttft + ttfb);
  }
  r["voiceToVoiceMs"] = {
      {"pipelineAdded", dist(pipeline, true)},
      {"pipelineAddedMinusVadHangover", dist(beyondHangover, true)},
      {"wire", dist(wireV2v)},
      {"breakdown",
       {{"inboundToLastSpeechFrame", dist(inbound)},
        {"turnEndToAudioQueuedMinusProviders", dist(inWorker)},
        {"queuedToHeard", dist(outbound)},
        {"endOfUtterance", dist(eou)},
        {"providersTtftPlusTtfb", dist(providers)}}},
      {"jitterBufferMeanDelayMs", round2(st.value("jitterBufferMeanDelayMs", -1.0))},
      {"vadHangoverMs", media::VadConfig{}.hangoverMs},
      {"turns", turns},
      {"turnsMatched", matched},
      {"turnsNotMatched", unmatched}};

  // Barge-in.
  std::vector<double> stopWire, decisionToStopped, onsetToDecision;
  for (const auto& rec : recs)
    for (int64_t on : rec.onsetSentNs) {
      if (on < w0 || on > w1) continue;
      for (const auto& run : rec.agentRuns)
        if (run.first < on && run.second > on + 20'000'000) {
          stopWire.push_back(static_cast<double>(run.second - on) / 1e6);
          break;
        }
    }
  for (auto& b : st["bargeIns"]) {
    onsetToDecision.push_back(b[2].get<double>());
    decisionToStopped.push_back(b[3].get<double>());
  }
  std::vector<double> stopMinusPolicy;
  for (double s : stopWire) stopMinusPolicy.push_back(s - kInterruptionPolicyMs);
  r["bargeInMs"] = {{"callerOnsetToAgentSilentAtCaller", dist(stopWire, true)},
                    {"sameMinusMinInterruption300", dist(stopMinusPolicy)},
                    {"workerOnsetToDecision", dist(onsetToDecision)},
                    {"workerDecisionToPlayoutFlushed", dist(decisionToStopped, true)}};

  // Raw codec for the same traffic: every inbound frame decoded, agent speech frames encoded.
  const json& raw = in.raw[opus ? "opus" : "pcmu"];
  const double rawUs = 50 * (raw["decodeUsPerFrame"].get<double>() +
                             agentTalkFraction * raw["encodeUsPerSpeechFrame"].get<double>());
  r["rawCodecUsPerCallSecond"] = round2(rawUs);
  r["workerOverRawCodec"] = round2(cpu * 1e6 / callSeconds / rawUs);
  r["agentTalkFraction"] = round2(agentTalkFraction);
  r["loadClient"] = {{"cpuCoreFraction", round2(clientCpu / wall)},
                     {"sendLateMs", dist(sendLate, true)},
                     {"packetsReceived", received},
                     {"sttFinals", peers.stt.finals()},
                     {"ttsReplies", peers.tts.replies()}};
  const double p99 = st["frameIpdvMs"].value("p99", -1.0);
  r["meetsPacing"] = p99 >= 0 && p99 <= 5.0 && skippedFrames + gaps + inboundDropped == 0;
  return r;
}

int runDriver(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: parley_bench_calls CALLER_8K.wav CALLER_48K.wav AGENT_16K.wav "
                 "TENANT.yaml\n");
    return 2;
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  core::LogSettings quiet;
  quiet.level = core::LogLevel::Error;
  core::setupLogging(quiet);
  Inputs in;
  in.stepS = std::stod(env("BENCH_SECONDS", "15"));
  in.warmupS = std::stod(env("BENCH_WARMUP", "5"));
  in.cycleS = std::stod(env("BENCH_CYCLE", "5"));
  in.rtpBase = static_cast<uint16_t>(std::stoi(env("BENCH_RTP_BASE", "22000")));
  in.workerLog = env("BENCH_WORKER_LOG", "/dev/null");
  in.perfDir = env("BENCH_PERF_DIR", "");
  in.rampPerSecond = std::stoi(env("BENCH_RAMP", "200"));
  in.tenant = argv[4];
  const auto caller8 = mono(media::WavFile::read(argv[1]), 8000, "caller 8 kHz audio");
  const auto caller48 = mono(media::WavFile::read(argv[2]), 48000, "caller 48 kHz audio");
  in.agent16k = mono(media::WavFile::read(argv[3]), 16000, "agent audio");
  in.pcmuCycle = makeCycle(caller8, 8000, false, in.cycleS);
  in.opusCycle = makeCycle(caller48, 48000, true, in.cycleS);
  in.opusSilenceMax = opusSilenceMaxBytes(in.agent16k);
  const auto opusSteps = intList(env("BENCH_OPUS_CALLS", "50,100,200,300"));
  const auto g711Steps = intList(env("BENCH_G711_CALLS", "200,500,1000"));
  const bool keepGoing = !env("BENCH_KEEP_GOING", "").empty();

  json out;
  out["machine"] = machine();
  out["config"] = {
      {"stepSeconds", in.stepS},
      {"warmupSeconds", in.warmupS},
      {"callsStartedPerSecond", in.rampPerSecond},
      {"denormalsFlushedOnMediaThreads", !env("BENCH_FTZ", "").empty()},
      {"callerCycleSeconds", in.cycleS},
      {"callerUtteranceSeconds", static_cast<double>(caller8.size()) / 8000},
      {"callerSpeechFrames", {in.pcmuCycle.onsetFrame, in.pcmuCycle.lastSpeechFrame}},
      {"agentReplySeconds", static_cast<double>(in.agent16k.size()) / 16000},
      {"workerMediaLoops",
       env("BENCH_THREADS", std::to_string(std::thread::hardware_concurrency()))},
      {"legs",
       "media::sip::SipLeg, plain RTP on loopback: PCMU/8000 (SIP-style, no echo "
       "cancellation) and opus/48000 (WebRTC-style after SRTP, echo-cancelled caller)"},
      {"providers",
       "in the load-client process: Deepgram-style STT final on Finalize, "
       "OpenAI-style chat SSE (instant), ElevenLabs-style TTS with precomputed PCM"}};
  in.raw = rawCodec(in.opusCycle, in.pcmuCycle, in.agent16k);
  out["rawCodec"] = in.raw;

  auto runCodec = [&](bool opus, const std::vector<int>& steps) {
    json list = json::array();
    int capacity = 0;
    for (int n : steps) {
      if (n <= 0) continue;
      std::fprintf(stderr, "bench-calls: %s, %d calls\n", opus ? "opus" : "pcmu", n);
      json r = runStep(in, opus, n);
      std::fprintf(stderr,
                   "  cpu %.2f cores, jitter p99 %.2f ms, burst p99 %.2f ms, dropped %llu, "
                   "v2v+ p99 %.1f ms\n",
                   r["workerCpuCoreFraction"].get<double>(),
                   r["pacingMs"]["jitterIpdv"].value("p99", -1.0),
                   r["pacingMs"]["lastFrameOfTickSent"]["p99"].get<double>(),
                   static_cast<unsigned long long>(r["framesDropped"]["total"].get<uint64_t>()),
                   r["voiceToVoiceMs"]["pipelineAdded"]["p99"].get<double>());
      const bool ok = r["meetsPacing"].get<bool>();
      if (ok) capacity = std::max(capacity, n);
      list.push_back(r);
      if (!ok && !keepGoing) break;  // larger N only gets worse; BENCH_KEEP_GOING runs them
    }
    return std::make_pair(list, capacity);
  };
  auto [opusList, opusCap] = runCodec(true, opusSteps);
  auto [pcmuList, pcmuCap] = runCodec(false, g711Steps);
  out["opus"] = opusList;
  out["pcmu"] = pcmuList;
  out["capacity"] = {{"rule",
                      "largest N with per-call outbound jitter (IPDV of frame send times) p99 "
                      "<= 5 ms and no dropped frame"},
                     {"opus", opusCap},
                     {"pcmu", pcmuCap}};
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) out["machine"]["loadAvg1AtEnd"] = load[0];
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace
}  // namespace parley::bench

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--worker") return parley::bench::runBenchWorker();
  try {
    return parley::bench::runDriver(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-calls: %s\n", e.what());
    return 1;
  }
}
