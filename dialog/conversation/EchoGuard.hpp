#pragma once
// Keeps the agent's own voice from interrupting it on legs without acoustic echo cancellation
// (phones; issue 7 "Echo"). Two checks, both only while agent audio is playing:
//  1. energy: a caller frame counts as speech only when the VAD says speech AND its SNR over the
//     noise floor beats the VAD's own threshold by `guardDb` — line echo is attenuated (G.168
//     asks ≥ 6 dB ERL, typical hybrids give 10–20 dB), the caller's own voice is not;
//  2. text: a transcript whose words are mostly (≥ kEchoWordShare) words the agent is saying in
//     this reply is the STT hearing the echo, not the caller.
// Legs with echo cancellation (browsers) pass everything through.
#include <string>
#include <string_view>
#include <unordered_set>

namespace parley::dialog {

class EchoGuard {
 public:
  /// Share of a transcript's words found in the agent's current reply that marks it as echo.
  static constexpr double kEchoWordShare = 0.6;
  /// A passing frame keeps speech alive this long through weaker frames (the VAD's own
  /// hangover bridges gaps between words the same way).
  static constexpr int kHangoverFrames = 8;

  /// `enabled` false (leg has AEC): accept() returns the VAD decision unchanged. `vadSnrDb` is the
  /// VAD's speech threshold, `guardDb` the extra margin while the agent talks.
  EchoGuard(bool enabled, double vadSnrDb, double guardDb);
  /// One 20 ms frame: the VAD's decision and the frame's SNR; `agentAudible` while agent audio is
  /// queued or playing.
  bool accept(bool vadSpeech, double snrDb, bool agentAudible);
  /// Whether `transcript` is mostly an echo of `agentText` (always false when disabled).
  bool isEcho(std::string_view transcript, std::string_view agentText) const;
  bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  double thresholdDb_;
  int hangover_ = 0;
};

}  // namespace parley::dialog
