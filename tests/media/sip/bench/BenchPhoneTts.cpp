// parley_bench_phone_tts: CPU cost per 20 ms frame of the agent's speech on its way to a PCMU
// phone leg (issue 9 "Phone audio"), run through scripts/bench-phone-tts.
// Usage: parley_bench_phone_tts SPEECH.wav [SECONDS]
//  * pcm_path: the TTS sends pcm_16000 — its little-endian bytes → s16 samples (what the
//    conversation does) → playout buffer → pop a 20 ms frame → resample 16 → 8 kHz + µ-law
//    encode (G711Encoder) → RTP serialize. This was every phone call's path before.
//  * passthrough: the TTS sends ulaw_8000 — its bytes → µ-law playout buffer → pop 160 bytes →
//    RTP serialize. No decode, resample or encode.
// The TTS chunks are made before timing (the µ-law ones by encoding the same speech), 100 ms
// each as a streaming TTS delivers them. Times are this thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID), best of 7 runs: other processes share the cores, the minimum is the
// code's own cost. Prints JSON.
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "media/PlayoutBuffer.hpp"
#include "media/codec/G711Codec.hpp"
#include "media/rtp/RtpPacket.hpp"
#include "tests/media/bench/BenchAudio.hpp"

using namespace parley::media;

namespace {

/// TTS chunk length: 100 ms, the order of what ElevenLabs and the local server send.
constexpr size_t kChunkMs = 100;

using bench::loadFrames;
using bench::threadCpuNs;

/// The TTS's pcm_16000 stream: little-endian s16 bytes.
std::vector<uint8_t> pcmBytes(const std::vector<AudioFrame>& frames) {
  std::vector<uint8_t> out;
  out.reserve(frames.size() * kFrameSamples * 2);
  for (const auto& f : frames)
    for (int16_t s : f.samples) {
      out.push_back(static_cast<uint8_t>(static_cast<uint16_t>(s) & 0xff));
      out.push_back(static_cast<uint8_t>(static_cast<uint16_t>(s) >> 8));
    }
  return out;
}

/// The TTS's ulaw_8000 stream for the same speech.
std::vector<uint8_t> ulawBytes(const std::vector<AudioFrame>& frames) {
  G711Encoder enc(G711Law::Ulaw);
  std::vector<uint8_t> out(frames.size() * kUlawFrameBytes);
  for (size_t i = 0; i < frames.size(); ++i)
    enc.encode(frames[i], std::span<uint8_t>(out).subspan(i * kUlawFrameBytes, kUlawFrameBytes));
  return out;
}

struct Wire {
  std::vector<std::array<uint8_t, 300>> packets;
  uint64_t bytes = 0;
  void send(size_t i, std::span<const uint8_t> payload, uint32_t ts) {
    RtpHeader h{.payloadType = 0,
                .sequenceNumber = static_cast<uint16_t>(i),
                .timestamp = ts,
                .ssrc = 0x1234};
    bytes += RtpPacket::serialize(h, payload, packets[i % packets.size()]);
  }
};

/// Old path. Returns µs per frame.
double runPcm(const std::vector<uint8_t>& tts, size_t frames, Wire& wire) {
  PlayoutBuffer playout;
  G711Encoder enc(G711Law::Ulaw);
  std::vector<int16_t> chunk(kChunkMs * 16);
  std::array<uint8_t, kUlawFrameBytes> payload{};
  AudioFrame out;
  const size_t chunkBytes = chunk.size() * 2;
  size_t sent = 0;
  uint32_t ts = 0;
  int64_t t0 = threadCpuNs();
  for (size_t at = 0; at < tts.size(); at += chunkBytes) {
    for (size_t i = 0; i < chunk.size(); ++i)
      chunk[i] = static_cast<int16_t>(tts[at + 2 * i] | (tts[at + 2 * i + 1] << 8));
    playout.write(chunk);
    while (playout.pop(out)) {
      int n = enc.encode(out, payload);
      wire.send(sent++, std::span<const uint8_t>(payload.data(), static_cast<size_t>(n)), ts);
      ts += 160;
    }
  }
  int64_t t1 = threadCpuNs();
  if (sent != frames) std::abort();
  return double(t1 - t0) / 1000.0 / double(frames);
}

/// Pass-through path. Returns µs per frame.
double runUlaw(const std::vector<uint8_t>& tts, size_t frames, Wire& wire) {
  UlawPlayoutBuffer playout;
  std::array<uint8_t, kUlawFrameBytes> payload{};
  const size_t chunkBytes = kChunkMs * 8;
  size_t sent = 0;
  uint32_t ts = 0;
  int64_t t0 = threadCpuNs();
  for (size_t at = 0; at < tts.size(); at += chunkBytes) {
    playout.write(std::span<const uint8_t>(tts).subspan(at, chunkBytes));
    while (playout.pop(payload)) {
      wire.send(sent++, payload, ts);
      ts += 160;
    }
  }
  int64_t t1 = threadCpuNs();
  if (sent != frames) std::abort();
  return double(t1 - t0) / 1000.0 / double(frames);
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = bench::speechArgs(argc, argv);
  if (!args) return 2;
  const size_t frames = args->frames;  // whole seconds: whole 100 ms TTS chunks
  const auto speech = loadFrames(args->wav, frames);
  const auto pcm = pcmBytes(speech);
  const auto ulaw = ulawBytes(speech);
  Wire wire;
  wire.packets.resize(64);
  double pcmUs = 1e9, ulawUs = 1e9;
  for (int rep = 0; rep < 7; ++rep) {
    pcmUs = std::min(pcmUs, runPcm(pcm, frames, wire));
    ulawUs = std::min(ulawUs, runUlaw(ulaw, frames, wire));
  }
  std::printf("{\n");
  std::printf("  \"timer\": \"CLOCK_THREAD_CPUTIME_ID, best of 7 runs\",\n");
  std::printf("  \"frames_per_run\": %zu,\n", frames);
  std::printf("  \"tts_chunk_ms\": %zu,\n", kChunkMs);
  std::printf("  \"pcm_16000_resample_encode_us_per_frame\": %.3f,\n", pcmUs);
  std::printf("  \"ulaw_8000_passthrough_us_per_frame\": %.3f,\n", ulawUs);
  std::printf("  \"ratio_old_over_passthrough\": %.1f,\n", pcmUs / ulawUs);
  std::printf("  \"rtp_bytes_sent\": %llu\n", static_cast<unsigned long long>(wire.bytes));
  std::printf("}\n");
  return 0;
}
