#pragma once
// The text-to-speech provider interface (STYLE.md "Provider clients are plug-ins"): the dialog
// pushes reply text down sentence by sentence and hears audio up as it is synthesised. Audio is
// 16-bit signed mono PCM at audioSampleRate() Hz — or G.711 µ-law bytes when the stream was
// configured for ulaw_8000 (phone legs skip transcoding). Loop-thread only.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/net/ProviderError.hpp"

namespace parley::dialog {

/// When a word is heard, in ms from the start of this turn's audio. Barge-in uses these to
/// record only what the caller actually heard (DESIGN.md §6).
struct TtsWordTiming {
  std::string word;
  double startMs = 0;
  double endMs = 0;
};

enum class TtsEncoding { Pcm16, Ulaw };

/// Events up. The listener may destroy the stream from inside any callback.
class TtsListener {
 public:
  virtual ~TtsListener() = default;
  /// Synthesised audio as it arrives. Pcm16: little-endian s16 samples, already decoded; Ulaw:
  /// one byte per sample. `timeToFirstByteMs` is set on the first chunk after a flush (else 0).
  virtual void onTtsAudio(std::span<const uint8_t> bytes, double timeToFirstByteMs) = 0;
  /// Word timings for audio already delivered.
  virtual void onTtsWords(const std::vector<TtsWordTiming>& /*words*/) {}
  /// Everything pushed before the last flush()/end has been synthesised.
  virtual void onTtsDone() = 0;
  virtual void onTtsError(const ProviderError& error) = 0;
};

/// Commands down.
class TtsStream {
 public:
  virtual ~TtsStream() = default;
  /// Opens the connection ahead of the first reply (no-op for HTTP clients).
  virtual void start() = 0;
  /// Text to speak (a sentence or clause, UTF-8). Not spoken until flush() if the provider
  /// buffers.
  virtual void pushText(std::string_view text) = 0;
  /// Speak everything pushed so far; onTtsDone follows when it has all been delivered.
  virtual void flush() = 0;
  /// Barge-in: drop pending text and audio now; no more events for it.
  virtual void cancel() = 0;
  virtual int audioSampleRate() const = 0;
  virtual TtsEncoding encoding() const = 0;
};

}  // namespace parley::dialog
