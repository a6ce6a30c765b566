#pragma once
// Local text-to-speech engines behind one interface (issue 6): flite for English (voices slt,
// kal, awb, rms; 16 kHz native, kal 8 kHz) and espeak-ng for other languages (22 050 Hz native).
// One call synthesises one sentence into 16-bit mono PCM at the engine's native rate, with the
// time each word starts and ends (from flite's segment relation / espeak-ng's word events), so
// the ElevenLabs-protocol server can send real alignment. Both engines keep global state, so
// each engine serialises its own calls with a mutex (the server calls from one loop thread).
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace parley::dialog::local {

/// A sentence longer than this is cut: a spoken reply sentence is < 300 characters; bounds the
/// synthesis time per call on the server loop.
constexpr size_t kMaxSynthChars = 2000;

struct SynthWord {
  size_t textOffset = 0;  ///< byte offset of the word in the input text
  size_t textLength = 0;  ///< bytes
  double startMs = 0;
  double endMs = 0;
};

struct SynthAudio {
  std::vector<int16_t> samples;  ///< mono s16 at sampleRate
  int sampleRate = 16000;
  std::vector<SynthWord> words;  ///< in text order; times within `samples`
};

class Synthesizer {
 public:
  virtual ~Synthesizer() = default;
  /// Speaks `text` (UTF-8). Never throws; empty audio for text with nothing to say.
  virtual SynthAudio synthesize(std::string_view text) = 0;
  virtual int nativeRate() const = 0;
  virtual std::string name() const = 0;
};

/// flite's voice names that are compiled in: "slt", "kal", "awb", "rms".
bool isFliteVoice(std::string_view voice);

/// flite with the named voice. Throws std::invalid_argument for an unknown voice.
std::unique_ptr<Synthesizer> makeFlite(std::string_view voice);
/// Held around every flite call: flite's init, voice registration and lexicon are process-wide
/// and not thread-safe (local TTS and the local STT's letter-to-sound use them from two threads).
std::mutex& fliteMutex();

/// espeak-ng speaking `language` (an espeak-ng voice name such as "de", "fr", "es", "en-us").
/// Throws std::runtime_error when espeak-ng cannot start or has no such voice.
std::unique_ptr<Synthesizer> makeEspeak(std::string_view language);

}  // namespace parley::dialog::local
