#pragma once
// A call leg whose caller follows a script (CallerScript → CallerTurnAudio): each turn's audio
// starts when its trigger event has happened after the previous turn ended, plus its delay. The
// leg watches its own outbound side for the events: agent_started (the first agent frame after
// silence), agent_finished (no agent audio for kFinishedGapMs). It records what the agent sent.
// After the last turn it waits kAfterScriptMs of media time for the agent to end the call, then
// hangs up itself (HangupReason::Remote). Like FileLeg it runs in real time on a Pacer or in
// virtual time through step() (one 20 ms frame each way per call).
#include <string>
#include <vector>

#include "agent/session/CallerAudio.hpp"
#include "media/Pacer.hpp"
#include "media/PlayoutBuffer.hpp"
#include "media/legs/CallLeg.hpp"

namespace parley::agent {

class ScriptedCallerLeg final : public media::CallLeg, public media::PacedSender {
 public:
  /// Playout gaps shorter than this are pauses inside a reply (a slow TTS), not its end.
  static constexpr int kFinishedGapMs = 300;
  /// After the script: time the agent has to say goodbye and hang up (two 8 s reprompts fit).
  static constexpr int kAfterScriptMs = 30'000;

  /// `pacer` (borrowed, may be null = virtual time).
  ScriptedCallerLeg(std::string id, std::vector<CallerTurnAudio> turns,
                    media::Pacer* pacer = nullptr);
  ~ScriptedCallerLeg() override;

  void setListener(media::CallLegListener* listener) override { listener_ = listener; }
  void start() override;
  bool sendAudio(const media::AudioFrame& frame) override;
  size_t sendSamples(std::span<const int16_t> samples) override;
  void endOfUtterance() override { playout_.markEnd(); }
  size_t flushAudio() override { return playout_.flush(); }
  int queuedAudioMs() const override { return playout_.queuedMs(); }
  uint64_t playedSamples() const override { return playout_.playedSamples(); }
  void sendDtmf(char digit, int durationMs = 100) override;
  void hangup() override { finish(media::HangupReason::Local); }
  media::LegKind kind() const override { return media::LegKind::File; }
  const std::string& id() const override { return id_; }

  /// One 20 ms frame each way. Returns false once the call is over.
  bool step();
  void onPacerTick(int64_t deadlineNs) override;

  bool ended() const { return ended_; }
  int64_t mediaTimeMs() const { return frames_ * media::kFrameMs; }
  /// Agent audio as the caller heard it (16 kHz mono; silence where nothing played).
  const std::vector<int16_t>& recordedAgent() const { return agent_; }
  /// Caller audio as sent (16 kHz mono), aligned with recordedAgent().
  const std::vector<int16_t>& recordedCaller() const { return caller_; }
  /// Media time (ms) each turn started; -1 for turns not reached.
  const std::vector<int64_t>& turnStartsMs() const { return turnStarts_; }
  size_t turnsDone() const { return next_; }

 private:
  void finish(media::HangupReason reason);
  /// Earliest media time the next turn may start, or -1 if its event has not happened yet.
  int64_t nextTurnStartMs() const;

  std::string id_;
  std::vector<CallerTurnAudio> turns_;
  media::Pacer* pacer_;                         ///< borrowed, may be null
  media::CallLegListener* listener_ = nullptr;  ///< borrowed back-reference
  media::PlayoutBuffer playout_;
  std::vector<int16_t> agent_;
  std::vector<int16_t> caller_;
  std::vector<int64_t> turnStarts_;
  std::vector<int64_t> agentStarted_;   ///< media times of agent_started events
  std::vector<int64_t> agentFinished_;  ///< media times of agent_finished events
  size_t next_ = 0;                     ///< next turn to play
  size_t pos_ = 0;                      ///< samples of the playing turn already sent
  bool playing_ = false;
  int64_t lastTurnEndMs_ = 0;
  int64_t frames_ = 0;
  int64_t lastAgentAudioMs_ = -1;
  bool agentSpeaking_ = false;
  bool started_ = false;
  bool ended_ = false;
  std::string sentDtmf_;
};

}  // namespace parley::agent
