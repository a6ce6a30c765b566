#pragma once
// G.711 companding (ITU-T G.711; RTP payload types PCMU = 0 and PCMA = 8, RFC 3551 §4.5.14).
// Table-driven so a sample costs one lookup. Bit-exact with sox's µ-law/A-law (tested).
#include <cstddef>
#include <cstdint>
#include <span>

namespace parley::media::g711 {

/// RTP payload types (RFC 3551 Table 4).
inline constexpr uint8_t kPayloadTypePcmu = 0;
inline constexpr uint8_t kPayloadTypePcma = 8;
/// G.711 is defined at 8 kHz, one byte per sample.
inline constexpr int kSampleRate = 8000;

uint8_t linearToUlaw(int16_t sample) noexcept;
int16_t ulawToLinear(uint8_t code) noexcept;
uint8_t linearToAlaw(int16_t sample) noexcept;
int16_t alawToLinear(uint8_t code) noexcept;

/// Encodes min(in, out) samples; returns the count. Inputs are 8 kHz s16.
size_t encodeUlaw(std::span<const int16_t> in, std::span<uint8_t> out) noexcept;
size_t encodeAlaw(std::span<const int16_t> in, std::span<uint8_t> out) noexcept;
/// Decodes min(in, out) bytes; returns the count. Outputs are 8 kHz s16.
size_t decodeUlaw(std::span<const uint8_t> in, std::span<int16_t> out) noexcept;
size_t decodeAlaw(std::span<const uint8_t> in, std::span<int16_t> out) noexcept;

}  // namespace parley::media::g711
