#pragma once
// A call leg whose caller is a WAV file: it plays the file (any rate/channels, converted to
// 16 kHz mono) as the caller's audio and records what the agent sends back. Used by
// `parley console` and by tests. Two clocks:
//  - real time: start() registers with a Pacer; one frame each way per 20 ms tick;
//  - virtual: the owner calls step() in a loop — one frame each way per call — as fast as the
//    CPU allows, with media time advancing 20 ms per step (pair it with core::ManualClock).
#include <cstdint>
#include <string>
#include <vector>

#include "media/AudioFrame.hpp"
#include "media/Pacer.hpp"
#include "media/PlayoutBuffer.hpp"
#include "media/legs/CallLeg.hpp"

namespace parley::media {

struct FileLegOptions {
  std::string id = "file";
  std::string inputPath;         ///< WAV to play as the caller; empty: the caller is silent
  std::string recordPath;        ///< WAV written at hangup (16 kHz); empty: keep in memory only
  bool recordStereo = false;     ///< left = caller input, right = agent output (aligned in time)
  int leadingSilenceMs = 0;      ///< silence before the input starts
  int trailingSilenceMs = 2000;  ///< after the input ends, silence this long, then hang up;
                                 ///< < 0: never hang up on our own
  struct Dtmf {
    int atMs;  ///< media time of the key press
    char digit;
  };
  std::vector<Dtmf> dtmf;  ///< scripted key presses delivered as onLegDtmf
  size_t playoutCapacitySamples = PlayoutBuffer::kDefaultCapacitySamples;
};

class FileLeg final : public CallLeg, public PacedSender {
 public:
  /// Loads and converts the input file (control path). Throws core::Error if it cannot be read.
  /// `pacer` (borrowed, may be null) drives real-time mode; null means virtual-clock mode.
  explicit FileLeg(FileLegOptions options, Pacer* pacer = nullptr);
  ~FileLeg() override;

  // CallLeg
  void setListener(CallLegListener* listener) override { listener_ = listener; }
  void start() override;
  bool sendAudio(const AudioFrame& frame) override;
  size_t sendSamples(std::span<const int16_t> samples) override;
  void endOfUtterance() override { playout_.markEnd(); }
  size_t flushAudio() override { return playout_.flush(); }
  int queuedAudioMs() const override { return playout_.queuedMs(); }
  uint64_t playedSamples() const override { return playout_.playedSamples(); }
  void sendDtmf(char digit, int durationMs = 100) override;
  void hangup() override { finish(HangupReason::Local); }
  LegKind kind() const override { return LegKind::File; }
  const std::string& id() const override { return options_.id; }

  /// One 20 ms step: delivers the next caller frame, then takes one agent frame into the
  /// recording. Returns false once the call is over. Virtual mode calls this directly.
  bool step();
  /// Virtual mode: step() until hangup or `maxFrames`. Returns the frames stepped.
  size_t runToEnd(size_t maxFrames = 180'000);
  void onPacerTick(int64_t deadlineNs) override;

  bool ended() const { return ended_; }
  /// Media time in ms (20 per step).
  int64_t mediaTimeMs() const { return static_cast<int64_t>(frameIndex_) * kFrameMs; }
  /// Input length in 20 ms frames (after conversion).
  size_t inputFrames() const { return input_.size(); }
  /// Agent audio recorded so far: 16 kHz mono, one frame per step (silence when none queued).
  const std::vector<int16_t>& recordedAgent() const { return agent_; }
  /// Digits the agent sent with sendDtmf().
  const std::string& sentDtmf() const { return sentDtmf_; }

 private:
  void finish(HangupReason reason);
  void writeRecording();

  FileLegOptions options_;
  Pacer* pacer_;                         ///< borrowed, may be null
  CallLegListener* listener_ = nullptr;  ///< borrowed back-reference
  std::vector<AudioFrame> input_;
  PlayoutBuffer playout_;
  std::vector<int16_t> agent_;
  std::vector<int16_t> caller_;  ///< recorded only with recordStereo
  std::string sentDtmf_;
  size_t frameIndex_ = 0;
  size_t nextDtmf_ = 0;
  bool started_ = false;
  bool ended_ = false;
  bool agentSpeaking_ = false;
};

}  // namespace parley::media
