#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "core/Error.hpp"
#include "media/WavFile.hpp"
#include "media/legs/FileLeg.hpp"

using namespace parley::media;

namespace {

std::string tempPath(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "parley-media-test";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

/// A session stand-in: echoes every caller frame back, counts events.
struct EchoSession : CallLegListener {
  CallLeg* leg = nullptr;
  int frames = 0;
  int connected = 0;
  int drained = 0;
  std::string dtmf;
  HangupReason reason{};
  int hangups = 0;
  void onLegConnected() override { ++connected; }
  void onLegAudio(const AudioFrame& f) override {
    ++frames;
    leg->sendAudio(f);
  }
  void onLegDtmf(const DtmfEvent& e) override { dtmf.push_back(e.digit); }
  void onLegPlayoutDrained() override { ++drained; }
  void onLegHangup(HangupReason r) override {
    reason = r;
    ++hangups;
  }
};

}  // namespace

TEST_CASE("WAV write then read keeps samples and shape") {
  std::vector<int16_t> s(4800 * 2);
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<int16_t>(i * 7);
  auto path = tempPath("stereo.wav");
  WavFile::write(path, 48000, 2, s);
  auto back = WavFile::read(path);
  CHECK(back.sampleRate == 48000);
  CHECK(back.channels == 2);
  CHECK(back.frames() == 4800);
  CHECK(back.samples == s);
  CHECK_THROWS_AS(WavFile::read(tempPath("missing.wav")), parley::core::Error);
}

TEST_CASE("file leg plays a 48 kHz stereo WAV as 16 kHz frames and records the agent") {
  // 1 s of a 440 Hz tone, 48 kHz stereo.
  std::vector<int16_t> s(48000 * 2);
  for (size_t i = 0; i < 48000; ++i)
    s[2 * i] = s[2 * i + 1] =
        static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * double(i) / 48000.0));
  auto in = tempPath("caller.wav");
  auto rec = tempPath("agent.wav");
  WavFile::write(in, 48000, 2, s);

  FileLeg leg(FileLegOptions{.inputPath = in,
                             .recordPath = rec,
                             .recordStereo = true,
                             .trailingSilenceMs = 200,
                             .dtmf = {{100, '4'}, {300, '#'}}});
  EchoSession session;
  session.leg = &leg;
  leg.setListener(&session);
  CHECK(leg.inputFrames() == 50);
  size_t steps = leg.runToEnd();
  CHECK(steps == 60);  // 50 frames of input + 200 ms trailing silence
  CHECK(session.frames == 60);
  CHECK(session.connected == 1);
  CHECK(session.hangups == 1);
  CHECK((session.reason == HangupReason::Remote));
  CHECK(session.dtmf == "4#");
  CHECK(leg.ended());
  CHECK_FALSE(leg.step());
  // The echo comes back in the same step (queued before the leg pulls its outbound frame).
  CHECK(leg.recordedAgent().size() == 60 * kFrameSamples);
  auto wav = WavFile::read(rec);
  CHECK(wav.channels == 2);
  CHECK(wav.sampleRate == 16000);
  double diff = 0;
  for (size_t i = 0; i < wav.frames(); ++i)
    diff += std::abs(wav.samples[2 * i] - wav.samples[2 * i + 1]);
  CHECK(diff == 0);  // right (agent) echoes left (caller) exactly
}

TEST_CASE("file leg: flush stops agent audio within one frame - hangup is local and idempotent") {
  FileLeg leg(FileLegOptions{.trailingSilenceMs = -1});
  EchoSession session;
  struct Quiet : CallLegListener {
    void onLegAudio(const AudioFrame&) override {}
    void onLegDtmf(const DtmfEvent&) override {}
    void onLegHangup(HangupReason r) override {
      reason = r;
      ++n;
    }
    HangupReason reason{};
    int n = 0;
  } quiet;
  leg.setListener(&quiet);
  leg.start();
  AudioFrame loud;
  loud.samples.fill(1000);
  for (int i = 0; i < 50; ++i) leg.sendAudio(loud);
  CHECK(leg.queuedAudioMs() == 1000);
  leg.step();
  CHECK(leg.flushAudio() == 49 * kFrameSamples);
  leg.step();
  const auto& rec = leg.recordedAgent();
  CHECK(rec[0] == 1000);
  CHECK(rec[kFrameSamples] == 0);  // the frame after the flush is silent
  CHECK(leg.playedSamples() == kFrameSamples);
  leg.sendDtmf('7');
  CHECK(leg.sentDtmf() == "7");
  leg.hangup();
  leg.hangup();
  CHECK(quiet.n == 1);
  CHECK((quiet.reason == HangupReason::Local));
  CHECK_FALSE(leg.sendAudio(loud));
}

TEST_CASE("file leg runs in real time on a pacer") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  parley::core::MetricsRegistry metrics;
  {
    Pacer pacer(&loop, parley::core::SystemClock::instance(), "test", metrics);
    FileLeg leg(FileLegOptions{.leadingSilenceMs = 100, .trailingSilenceMs = 0}, &pacer);
    EchoSession session;
    session.leg = &leg;
    leg.setListener(&session);
    leg.start();
    uv_run(&loop, UV_RUN_DEFAULT);  // exits when the leg hangs up and leaves the pacer
    CHECK(session.frames == 5);
    CHECK(session.hangups == 1);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
