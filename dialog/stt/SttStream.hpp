#pragma once
// The speech-to-text provider interface (STYLE.md "Provider clients are plug-ins"): the dialog
// pushes caller audio down and hears transcripts up. Audio is 16-bit signed mono PCM at the
// sample rate the stream was configured with (8000 or 16000 Hz), in any span length; the client
// frames it for the wire. Times in transcripts are seconds since the stream's first sample, kept
// continuous across reconnects. Loop-thread only.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dialog/net/ProviderError.hpp"

namespace parley::dialog {

struct SttWord {
  std::string word;        ///< normalised ("tell")
  std::string punctuated;  ///< as displayed ("Tell"); = word when the provider gives none
  double startS = 0;
  double endS = 0;
  double confidence = 0;
};

/// One recognition result. Interim results (isFinal false) may be revised; final ones not.
struct SttTranscript {
  std::string text;
  bool isFinal = false;
  bool speechFinal = false;   ///< the provider detected the end of an utterance (endpointing)
  bool fromFinalize = false;  ///< produced by finalize()
  double startS = 0;
  double durationS = 0;
  double confidence = 0;
  std::vector<SttWord> words;
  /// Final results only: time from pushing the last audio sample this result covers to receiving
  /// it, ms (the provider's final-result latency; 0 for interim results).
  double latencyMs = 0;
};

struct SttConnected {
  std::string requestId;    ///< provider request id (Deepgram `dg-request-id`), for support tickets
  double connectMs = 0;     ///< connect() → handshake done (DNS + TCP + TLS + upgrade)
  uint32_t reconnects = 0;  ///< 0 for the first connection
};

/// Events up. The listener may destroy the stream from inside any callback.
class SttListener {
 public:
  virtual ~SttListener() = default;
  virtual void onSttConnected(const SttConnected&) {}
  /// Interim or final text (results with empty text are not reported).
  virtual void onSttTranscript(const SttTranscript& t) = 0;
  /// Voice activity began at `timestampS` (Deepgram `SpeechStarted`, needs vad_events).
  virtual void onSttSpeechStarted(double /*timestampS*/) {}
  /// A gap after the last final word (Deepgram `UtteranceEnd`): end of turn if no speechFinal came.
  virtual void onSttUtteranceEnd(double /*lastWordEndS*/) {}
  /// The connection dropped and will be retried in `delayMs`; buffered audio will be resent.
  virtual void onSttReconnecting(const ProviderError& /*why*/, uint64_t /*delayMs*/) {}
  /// A failure. `fatal`: the stream is dead (auth, bad parameters, retries exhausted); otherwise
  /// a message was rejected or unreadable and the stream goes on.
  virtual void onSttError(const ProviderError& error, bool fatal) = 0;
  /// After close(): the provider sent its last results and closed the socket.
  virtual void onSttClosed() = 0;
};

/// Commands down.
class SttStream {
 public:
  virtual ~SttStream() = default;
  /// Opens the connection now (at call start, so the first words do not wait for it).
  virtual void start() = 0;
  /// Caller audio, mono s16 at sampleRate(). Buffered while (re)connecting; never dropped
  /// except beyond the client's resend bound.
  virtual void pushAudio(std::span<const int16_t> samples) = 0;
  /// Asks for final results for everything pushed so far (end of the caller's turn).
  virtual void finalize() = 0;
  /// Graceful end: the provider flushes, sends its last results, then onSttClosed().
  virtual void close() = 0;
  virtual int sampleRate() const = 0;
};

}  // namespace parley::dialog
