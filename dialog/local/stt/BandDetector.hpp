#pragma once
// Tells telephone-band speech (nothing above 4 kHz: an 8 kHz source resampled to 16 kHz, a
// narrow-band microphone) from wide-band speech in 16 kHz audio, so a stream's decoder starts
// from the cepstral means of its band (SphinxDecoder::reset). Goertzel power at a few
// frequencies per 20 ms frame (320 samples): 4.5–7 kHz against 0.5–3 kHz, over the frames loud
// enough to be speech.
#include <cstddef>
#include <cstdint>
#include <span>

namespace parley::dialog::local {

/// High band over low band below which speech is telephone band: −60 dB (measured with a Hann
/// window: resampled 8 kHz flite speech −83 to −93 dB, wide-band flite and the human clips of
/// ../shared/audio −8 to −41 dB).
constexpr double kNarrowBandRatio = 1e-6;
/// Speech frames (20 ms, above kSpeechFrameRms) needed for a decision: 0.3 s.
constexpr size_t kBandDecisionFrames = 15;
/// RMS (s16) of a frame counted as speech; quieter frames say little about the band.
constexpr double kSpeechFrameRms = 300;

class BandDetector {
 public:
  /// Feeds 16 kHz mono s16 samples (any count; frames of 320 are analysed as they fill).
  void push(std::span<const int16_t> samples);
  /// True once kBandDecisionFrames speech frames have been seen (silence never decides).
  bool decided() const { return speechFrames_ >= kBandDecisionFrames; }
  /// The band from what was seen so far: true = telephone band. False with no speech frames.
  bool narrow() const;
  size_t speechFrames() const { return speechFrames_; }
  /// True when the last complete 20 ms frame was loud enough to be speech.
  bool lastFrameLoud() const { return lastLoud_; }
  /// High-band power over low-band power so far (0 with no speech frames).
  double ratio() const { return low_ > 0 ? high_ / low_ : 0; }

 private:
  void analyse();
  int16_t frame_[320] = {};
  size_t fill_ = 0;
  size_t speechFrames_ = 0;
  bool lastLoud_ = false;
  double low_ = 0;
  double high_ = 0;
};

}  // namespace parley::dialog::local
