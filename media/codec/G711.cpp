#include "media/codec/G711.hpp"

#include <algorithm>
#include <array>

namespace parley::media::g711 {

namespace {

// Reference algorithms (Sun Microsystems' public-domain g711.c, which sox also derives from),
// run once at start-up to build lookup tables: 64 KiB per encoder, 512 B per decoder.
constexpr int kUlawBias = 0x84;   // G.711 µ-law bias added before segment search
constexpr int kUlawClip = 32635;  // largest magnitude that fits after the bias
constexpr std::array<int, 8> kSegEnd = {0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF};

int segment(int value) {
  for (int i = 0; i < 8; ++i)
    if (value <= kSegEnd[static_cast<size_t>(i)]) return i;
  return 8;
}

uint8_t computeUlaw(int pcm) {
  // sox encodes from 14-bit samples, rounding s16 to nearest ((x + 2) >> 2); do the same so the
  // output is bit-exact with it. Clipping below keeps the +2 from overflowing the segment table.
  pcm = (pcm + 2) >> 2;
  int mask = 0xFF;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7F;
  }
  pcm = std::min(pcm, kUlawClip >> 2);
  pcm += kUlawBias >> 2;
  int seg = segment(pcm << 2);
  if (seg >= 8) return static_cast<uint8_t>(0x7F ^ mask);
  int uval = (seg << 4) | (((pcm << 2) >> (seg + 3)) & 0xF);
  return static_cast<uint8_t>(uval ^ mask);
}

int16_t computeUlawDecode(uint8_t code) {
  int u = ~code & 0xFF;
  int t = ((u & 0x0F) << 3) + kUlawBias;
  t <<= (u & 0x70) >> 4;
  return static_cast<int16_t>((u & 0x80) ? (kUlawBias - t) : (t - kUlawBias));
}

uint8_t computeAlaw(int pcm) {
  // sox encodes from 13-bit samples, rounded to nearest like µ-law above.
  pcm = (pcm + 4) >> 3;
  int mask = 0xD5;
  if (pcm < 0) {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  int seg = 0;
  constexpr std::array<int, 8> kAlawSegEnd = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};
  while (seg < 8 && pcm > kAlawSegEnd[static_cast<size_t>(seg)]) ++seg;
  if (seg >= 8) return static_cast<uint8_t>(0x7F ^ mask);
  int aval = seg << 4;
  aval |= (seg < 2) ? ((pcm >> 1) & 0xF) : ((pcm >> seg) & 0xF);
  return static_cast<uint8_t>(aval ^ mask);
}

int16_t computeAlawDecode(uint8_t code) {
  int a = code ^ 0x55;
  int t = (a & 0xF) << 4;
  int seg = (a & 0x70) >> 4;
  switch (seg) {
    case 0:
      t += 8;
      break;
    case 1:
      t += 0x108;
      break;
    default:
      t += 0x108;
      t <<= seg - 1;
  }
  return static_cast<int16_t>((a & 0x80) ? t : -t);
}

struct Tables {
  std::array<uint8_t, 65536> ulawEnc{};
  std::array<uint8_t, 65536> alawEnc{};
  std::array<int16_t, 256> ulawDec{};
  std::array<int16_t, 256> alawDec{};
  Tables() {
    for (int i = 0; i < 65536; ++i) {
      ulawEnc[static_cast<size_t>(i)] = computeUlaw(i - 32768);
      alawEnc[static_cast<size_t>(i)] = computeAlaw(i - 32768);
    }
    for (int c = 0; c < 256; ++c) {
      ulawDec[static_cast<size_t>(c)] = computeUlawDecode(static_cast<uint8_t>(c));
      alawDec[static_cast<size_t>(c)] = computeAlawDecode(static_cast<uint8_t>(c));
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

size_t index(int16_t s) {
  return static_cast<size_t>(int{s} + 32768);
}

}  // namespace

uint8_t linearToUlaw(int16_t s) noexcept {
  return tables().ulawEnc[index(s)];
}
int16_t ulawToLinear(uint8_t c) noexcept {
  return tables().ulawDec[c];
}
uint8_t linearToAlaw(int16_t s) noexcept {
  return tables().alawEnc[index(s)];
}
int16_t alawToLinear(uint8_t c) noexcept {
  return tables().alawDec[c];
}

size_t encodeUlaw(std::span<const int16_t> in, std::span<uint8_t> out) noexcept {
  const auto& t = tables().ulawEnc;
  size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = t[index(in[i])];
  return n;
}

size_t encodeAlaw(std::span<const int16_t> in, std::span<uint8_t> out) noexcept {
  const auto& t = tables().alawEnc;
  size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = t[index(in[i])];
  return n;
}

size_t decodeUlaw(std::span<const uint8_t> in, std::span<int16_t> out) noexcept {
  const auto& t = tables().ulawDec;
  size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = t[in[i]];
  return n;
}

size_t decodeAlaw(std::span<const uint8_t> in, std::span<int16_t> out) noexcept {
  const auto& t = tables().alawDec;
  size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = t[in[i]];
  return n;
}

}  // namespace parley::media::g711
