#pragma once
// Voice activity detection per 20 ms frame, at 8 or 16 kHz, with onset and offset hysteresis.
//
// Written here (DESIGN.md §4 lists VAD as Parley's own) as an energy + periodicity detector.
// Measured against Debian's webrtc-audio-processing 0.3 on the scripts/bench-vad set (same
// onset/hangover hysteresis on its 10 ms decisions, the set's first labelling): its GMM VAD
// scored 0.942/0.919 frame accuracy on kitchen noise at 20/10 dB vs 0.954/0.936 here, and its noise
// suppressor as a front-end to this detector made kitchen noise worse (0.914/0.823: suppression
// residue turns clatter into bursts) at 20–40 µs per frame vs ~3 µs here. Re-measured as a second
// opinion for slow onsets (current labels, its decision per 20 ms = either 10 ms half voiced,
// same 160 ms hangover): at kVeryLowLikelihood it had 7.8/11.5 false onsets per minute on kitchen
// noise at 20/10 dB (here 3.6/3.4) and 5/7 onsets over 60 ms (here 0/5); at kHighLikelihood
// 17/21 false onsets per minute. Its 0.3 API gives only a yes/no per 10 ms (no likelihood to
// weigh), so OR-ing it in would double false barge-ins; it costs 4.1 µs per 20 ms. Per frame:
//  1. speech-band energy (a 2nd-order 200–3400 Hz band-pass, so rumble and hiss count less);
//  2. a noise floor = the minimum of smoothed band energy over the last kFloorWindowFrames,
//     which follows a changing background within seconds without being dragged up by speech;
//  3. voicing = the peak normalised autocorrelation over pitch lags 2.5–16 ms (60–400 Hz) on a
//     4 kHz decimated copy — high for vowels, low for clatter and hiss;
//  4. the same floor tracking in four formant sub-bands (200–500, 500–1000, 1000–2000,
//     2000–3400 Hz), because a vowel stands far above the noise in its own band even when the
//     broadband SNR is low;
//  5. at 16 kHz, the same floor tracking on the 4–8 kHz band (half the difference of sample
//     pairs, which the 8 kHz analysis throws away), so a sibilant start (/s/, /ʃ/) is heard;
//     a frame is speech-like when its broadband, best sub-band or 4–8 kHz SNR is high, or the
//     broadband SNR is moderate and the frame is voiced;
//  5b. over a steady background (fans, hiss, line noise: each band's frame SNR strays by
//     < kMaxSteadyDevDb), those thresholds drop to the background's mean + 4 x its deviation
//     (≥ 2 dB), so a quiet /s/ or /h/ a few dB over it is heard; frames that pass only these
//     lowered thresholds start speech only through the three-in-a-row path (white noise at
//     10 dB, 16 kHz: onsets over 60 ms 9 → 2 of 124, p90 60 → 40 ms; kitchen at 10 dB 7 → 5,
//     p90 60 → 40 ms; kitchen false onsets 3.9/3.1 → 3.6/3.4 per min at 20/10 dB; the price is
//     kitchen 20 dB frame accuracy 0.968 → 0.958, from speech tails held in its quiet spells);
//  6. onset at once on one speech-like frame that is voiced (≥ onsetVoicing: a vowel), or on
//     two speech-like frames in a row the second no quieter than the first (speech builds up
//     over tens of ms, a bang peaks in its first frame), or after kOnsetFrames speech-like
//     frames in a row unless that run decays by more than kMaxRunDecayDb (a bang's tail).
//     Clatter is loud but aperiodic, short and decaying, so requiring periodicity, build-up
//     or persistence is what keeps it out (kitchen false onsets 8.2 → 3.1 per minute on
//     bench-vad, onset p90 ≤ 60 ms at 10 dB);
//  7. offset after `hangoverMs` without a speech-like frame.
// Evaluation (scripts/bench-vad; rule printed in its JSON "labels"): clips at -26 dBov active
// speech level (ITU-T P.56), a frame is speech when its level above 100 Hz reaches ASL - 15.9 dB
// and 6 dB over the recording's own background, starting only at runs of ≥ 40 ms, gaps
// < 200 ms bridged, 8 kHz runs labelled from the clip below 3.7 kHz; the 200 ms after each
// true offset (P.56's hangover) is tolerance for this detector's hangover.
// Cost is part of the inbound path measured by scripts/bench-media. No heap, no exceptions.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace parley::media {

struct VadConfig {
  int sampleRate = 16000;  ///< 8000 or 16000; frames are 20 ms (160 or 320 samples)
  // Defaults chosen by a grid search with scripts/bench-vad (VAD_* environment knobs).
  int hangoverMs = 160;            ///< speech continues this long after the last speech-like frame,
                                   ///< bridging the short gaps between words
  double snrDb = 6.0;              ///< SNR over the floor that alone marks a frame as speech
  double voicedSnrDb = 3.0;        ///< lower SNR accepted when the frame is voiced
  double voicingThreshold = 0.55;  ///< normalised autocorrelation that counts as voiced
  double minLevelDbfs = -55.0;     ///< quieter than this is never speech (line noise, dither)
  double subbandSnrDb = 10.0;      ///< SNR in one formant sub-band that alone marks speech: vowels
                                   ///< stand out there even when broadband noise hides them
  double highBandSnrDb = 12.0;     ///< 16 kHz only: SNR in the 4-8 kHz band that alone marks speech
  double onsetVoicing = 0.62;      ///< voicing that lets one speech-like frame start speech at once
  /// Noise-adaptive thresholds: while no speech is on, the VAD tracks how far each band's
  /// frame SNR strays in the background (mean + mean absolute deviation, ~1 s memory); a band's
  /// threshold drops from the fixed value above to mean + adaptiveSpreadK x deviation, never
  /// below adaptiveMinSnrDb. Steady noise (fans, hiss, line noise) varies by a dB or less, so
  /// speech a few dB over it is heard at once; clatter varies by many dB and keeps the fixed
  /// thresholds. 0 turns this off.
  double adaptiveSpreadK = 4.0;
  double adaptiveMinSnrDb = 2.0;
};

class Vad {
 public:
  /// Frames in the noise-floor minimum window: 1.5 s, long enough to span a word, short enough
  /// to follow a background that changes.
  static constexpr size_t kFloorWindowFrames = 75;
  /// Speech-like frames in a row that start speech when none is voiced and they do not rise.
  static constexpr int kOnsetFrames = 3;
  /// An unvoiced run whose last frame is this far under its loudest frame is a decaying bang,
  /// not an onset (dB): a rising or steady fricative passes, a bang's tail and the band-pass
  /// ringing after it fall faster.
  static constexpr double kMaxRunDecayDb = 6.0;
  /// Background frames the spread trackers learn from before they may lower a threshold (1 s).
  static constexpr int kSpreadWarmupFrames = 50;
  /// Spread trackers' smoothing per frame (~1 s memory).
  static constexpr double kSpreadAlpha = 0.02;
  /// A band whose background SNR strays by more than this (mean absolute deviation, dB) is not
  /// steady: it keeps its fixed threshold. White or fan noise strays by ~0.5 dB; between the
  /// bangs of kitchen clatter the deviation stays above ~1 dB (letting it adapt there doubled
  /// kitchen false onsets on scripts/bench-vad).
  static constexpr double kMaxSteadyDevDb = 1.0;

  enum class Event { None, Onset, Offset };

  /// Throws core::Error if sampleRate is not 8000 or 16000 (control path).
  explicit Vad(const VadConfig& config = {});

  /// Classifies one 20 ms frame (sampleRate/50 samples; other sizes return the current state
  /// unchanged). Returns true while speech is active (after hysteresis).
  bool process(std::span<const int16_t> frame) noexcept;
  bool speaking() const noexcept { return speaking_; }
  /// What the last process() call changed.
  Event lastEvent() const noexcept { return event_; }
  /// The last frame's raw decision before hysteresis.
  bool frameIsSpeechLike() const noexcept { return speechLike_; }
  double noiseFloorDb() const noexcept { return floorDb_; }
  /// Best SNR among the formant sub-bands in the last frame.
  double lastSubbandSnrDb() const noexcept { return subbandSnrDb_; }
  double lastSnrDb() const noexcept { return snrDb_; }
  double lastVoicing() const noexcept { return voicing_; }
  /// SNR of the 4-8 kHz band over its floor in the last frame (dB; 0 at 8 kHz).
  double lastHighBandSnrDb() const noexcept { return highSnrDb_; }
  /// SNR over its own floor of each formant sub-band in the last frame (dB).
  std::array<double, 4> lastBandSnrDb() const noexcept {
    return {bandSnr_[0], bandSnr_[1], bandSnr_[2], bandSnr_[3]};
  }
  void reset() noexcept;

 private:
  /// A band-pass biquad with its own noise-floor tracker.
  struct Band {
    std::array<double, 5> coef{};
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    std::array<double, kFloorWindowFrames> history{};
    double smooth = -100;
    double floor = -100;
  };
  /// Formant sub-bands: 200–500, 500–1000, 1000–2000, 2000–3400 Hz.
  static constexpr size_t kSubbands = 4;
  /// How one band's SNR over its floor varies in the background (dB).
  struct Spread {
    double mean = 0;
    double dev = 0;
    int frames = 0;
  };
  /// Spread trackers: broadband, the four sub-bands, the 4-8 kHz band.
  static constexpr size_t kChannels = kSubbands + 2;
  /// The SNR threshold (dB) for `channel` (0 broadband, 1-4 sub-bands, 5 the 4-8 kHz band):
  /// its fixed value, or lower over a steady background once the tracker has warmed up.
  double threshold(size_t channel, double fixedDb) const noexcept;
  /// Feeds one background frame's SNRs (dB, same channel order) to the spread trackers.
  void learnSpread(std::array<double, kChannels> snr) noexcept;

  /// One pass over the frame at 8 kHz (16 kHz input is first averaged in pairs): filters the
  /// four sub-bands, updates their floors, fills the 4 kHz copy for voicing, and returns the
  /// broadband (sum of sub-bands, 200–3400 Hz) energy in dBFS. Sets subbandSnrDb_.
  double analyse(std::span<const int16_t> frame) noexcept;
  double voicing() const noexcept;

  VadConfig config_;
  size_t frameSamples_;
  int hangoverFrames_;
  // Band-pass biquad state (direct form I) and coefficients.
  // 4 kHz decimated copy of the band-passed frame, plus the previous frame's tail so pitch lags
  // up to 16 ms reach back across the frame boundary.
  static constexpr size_t kDecimatedMax = 80 + 68;  // one frame at 4 kHz + the longest pitch lag
  std::array<float, kDecimatedMax> dec_{};
  size_t decCount_ = 0;
  std::array<double, kFloorWindowFrames> history_{};
  size_t historyCount_ = 0;
  size_t historyNext_ = 0;
  double smoothDb_ = -100;
  double floorDb_ = -100;
  double snrDb_ = 0;
  double subbandSnrDb_ = 0;
  std::array<double, 4> bandSnr_{};
  std::array<Band, kSubbands> bands_{};
  Band high_;  ///< 4-8 kHz (16 kHz input only): floor tracking, no filter
  double highSnrDb_ = 0;
  double highDb_ = -100;  ///< 4-8 kHz band energy of the last frame, dBFS
  std::array<Spread, kChannels> spread_{};
  double voicing_ = 0;
  bool speechLike_ = false;
  int recent_ = 0;       ///< bit mask of the last kOnsetFrames raw decisions
  int fixedRecent_ = 0;  ///< the same, over the fixed thresholds only
  std::array<double, kOnsetFrames - 1> recentDb_{};  ///< band energy of the previous frames
  int sinceSpeech_ = 0;
  bool speaking_ = false;
  Event event_ = Event::None;
};

}  // namespace parley::media
