#pragma once
// What the caller actually heard of an interrupted reply (DESIGN.md §6: history keeps only the
// heard part). A reply is spoken as segments (one TTS flush each); each segment knows where its
// audio starts in the reply's audio timeline, its text, and — when the provider sends them —
// word timings. Heard = every word whose start was played; without timings, words are spread
// evenly over the segment's audio (the "played duration" fallback).
#include <cstdint>
#include <string>
#include <vector>

#include "dialog/tts/TtsStream.hpp"

namespace parley::dialog {

class HeardText {
 public:
  /// A new segment whose audio starts at `startMs` of the reply timeline.
  void beginSegment(double startMs);
  /// Text pushed to the TTS in the current segment.
  void addText(const std::string& text);
  /// Word timings (relative to the current segment's start).
  void addWords(const std::vector<TtsWordTiming>& words);
  /// Audio delivered so far for the current segment, ms (bounds the even-spread fallback).
  void setSegmentAudioMs(double ms);
  /// The words heard when `playedMs` of the reply's audio were played.
  std::string heardAt(double playedMs) const;
  /// All text of the reply.
  std::string fullText() const;
  void clear() { segments_.clear(); }

 private:
  struct Segment {
    double startMs = 0;
    double audioMs = 0;
    std::string text;
    std::vector<TtsWordTiming> words;
  };
  std::vector<Segment> segments_;
};

}  // namespace parley::dialog
