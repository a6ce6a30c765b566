#pragma once
// The one audio shape Parley passes between media/ and everything above it (DESIGN.md §1):
// 20 ms of 16 kHz mono signed 16-bit PCM. Codecs, resamplers and call legs convert to and from it
// at the edge so the session, VAD, STT and TTS never see network rates or channel layouts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace parley::media {

/// Internal sample rate in Hz: wideband, what STT engines want and what Opus decodes to cheaply.
inline constexpr int kInternalRate = 16000;
/// Frame duration in ms: the RTP ptime every common endpoint uses (RFC 7587 §4.2 default).
inline constexpr int kFrameMs = 20;
/// Samples in one internal frame: 16 kHz × 20 ms.
inline constexpr size_t kFrameSamples = kInternalRate * kFrameMs / 1000;
/// Nanoseconds per frame, for clocks and pacing.
inline constexpr int64_t kFrameNs = int64_t{kFrameMs} * 1'000'000;

/// 20 ms of 16 kHz mono s16 (320 samples), native endianness. A value type: 640 bytes, copied by
/// value on purpose (no heap, no sharing between threads).
struct AudioFrame {
  std::array<int16_t, kFrameSamples> samples{};

  std::span<int16_t> span() noexcept { return samples; }
  std::span<const int16_t> span() const noexcept { return samples; }
  void clear() noexcept { samples.fill(0); }
  /// True if every sample is 0 (digital silence, e.g. padding or a muted source).
  bool isZero() const noexcept;
  /// Mean power in dBFS (0 dBFS = full-scale square wave); -100 for digital silence.
  double levelDbfs() const noexcept;
};

/// The forms in which a call leg can take the agent's audio (CallLeg::preferredOutboundFormat).
/// Nothing above media/ converts between them: a TTS is asked for the leg's form directly.
enum class OutboundAudioFormat {
  Pcm16k,  ///< 16 kHz mono s16 (AudioFrame); every leg takes this
  /// 8 kHz G.711 µ-law bytes (ITU-T G.711; RTP payload PCMU, RFC 3551 §4.5.14): one byte per
  /// sample (125 µs), kUlawFrameBytes per 20 ms frame. A leg that negotiated PCMU puts them into
  /// RTP unchanged: no decode, resample or encode.
  Ulaw8k,
};

/// G.711 µ-law sample rate in Hz (one byte per sample).
inline constexpr int kUlawRate = 8000;
/// Bytes of one 20 ms µ-law frame: 8 kHz × 20 ms (the RTP payload of one PCMU packet).
inline constexpr size_t kUlawFrameBytes = kUlawRate * kFrameMs / 1000;
/// µ-law code of a zero sample (G.711 Table 2a: 0x7F ^ 0x80; what sox and every codec send for
/// digital silence), used to pad a partial last frame.
inline constexpr uint8_t kUlawSilence = 0xFF;
/// 16 kHz samples per µ-law byte: the unit legs count played and flushed audio in (16 per ms)
/// whatever the format, so "what the caller heard" is computed one way.
inline constexpr size_t kPcmSamplesPerUlawByte = kInternalRate / kUlawRate;

/// Interleaved stereo → mono by averaging L and R. `mono.size()` must be ≥ stereo.size() / 2.
/// Returns the number of mono samples written.
size_t downmixStereo(std::span<const int16_t> stereo, std::span<int16_t> mono) noexcept;
/// Mono → interleaved stereo (L = R). `stereo.size()` must be ≥ 2 × mono.size().
size_t upmixToStereo(std::span<const int16_t> mono, std::span<int16_t> stereo) noexcept;
/// Multiplies every sample by `gain` (linear) with saturation.
void applyGain(std::span<int16_t> samples, float gain) noexcept;

}  // namespace parley::media
