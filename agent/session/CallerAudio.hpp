#pragma once
// Renders a caller script's turns to 16 kHz mono audio before the call (control path): `say`
// lines through flite (dialog/local's synthesizer, the voice named by the turn), `wav` turns
// through libsndfile, both converted with the speexdsp resampler; `silence` as zeros.
#include <cstdint>
#include <vector>

#include "agent/session/CallerScript.hpp"

namespace parley::agent {

/// One rendered turn: its audio (16 kHz mono s16) and when it starts.
struct CallerTurnAudio {
  std::vector<int16_t> samples;
  CallerEvent at = CallerEvent::AgentFinished;
  double delayS = 0.6;
  std::string label;  ///< the said text, the wav path or "(silence)"
};

/// Throws core::Error (unknown voice, unreadable WAV).
std::vector<CallerTurnAudio> renderCallerAudio(const CallerScript& script);

/// Converts mono or interleaved stereo `in` at `rate` Hz to 16 kHz mono.
std::vector<int16_t> toInternalRate(const std::vector<int16_t>& in, int rate, int channels);

}  // namespace parley::agent
