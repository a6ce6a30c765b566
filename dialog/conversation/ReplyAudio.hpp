#pragma once
// One reply's agent audio as the TTS delivered it, kept (bounded) so playout can resume where a
// false interruption stopped it, and sent to the leg in that same form: 16 kHz s16 PCM, or 8 kHz
// G.711 µ-law bytes when the session asked the TTS for the leg's wire form (issue 9 "Phone
// audio": no decode, resample or encode on the way to a PCMU leg). The conversation never
// branches on the leg; it plays what the TTS sends.
//
// Positions and lengths are "reply samples": 16 kHz sample times (16 per ms) whatever the form
// — the unit AudioOut::playedSamples() counts in — so "what the caller heard" is computed one
// way. A µ-law byte (125 µs) is kPcmSamplesPerUlawByte = 2 of them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dialog/tts/TtsStream.hpp"
#include "media/AudioFrame.hpp"

namespace parley::dialog {

class AudioOut;

class ReplyAudio {
 public:
  /// Audio kept for resuming: 2 min (3.8 MB of PCM). A spoken reply is < 30 s; the bound caps
  /// memory per call if a provider misbehaves. In reply samples.
  static constexpr size_t kMaxSamples = size_t{media::kInternalRate} * 120;

  /// The playable form of a TTS stream's audio: Pcm16 at 16 kHz → Pcm16k, Ulaw at 8 kHz →
  /// Ulaw8k; anything else (another PCM rate) → nullopt (the conversation does not resample).
  static std::optional<media::OutboundAudioFormat> formatOf(TtsEncoding encoding, int sampleRate);

  /// Appends a TTS chunk in `format` (Pcm16k: little-endian s16 bytes, an odd last byte is
  /// ignored; Ulaw8k: one byte per sample). The first chunk fixes the reply's form; a chunk in
  /// another form is not kept. Returns the chunk's duration in reply samples (counted in full
  /// even where the bound or a form mismatch kept none of it, so timing stays right).
  size_t append(std::span<const uint8_t> bytes, media::OutboundAudioFormat format);
  /// Sends kept audio from reply sample `from` (rounded down to a whole µ-law byte) to the end
  /// to `out`, in its form. Returns reply samples `out` accepted.
  size_t sendFrom(AudioOut& out, size_t from) const;
  /// Reply samples kept.
  size_t size() const;

 private:
  std::optional<media::OutboundAudioFormat> format_;
  std::vector<int16_t> pcm_;   ///< Pcm16k replies
  std::vector<uint8_t> ulaw_;  ///< Ulaw8k replies
};

}  // namespace parley::dialog
