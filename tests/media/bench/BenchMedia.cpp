// parley_bench_media: CPU cost per 20 ms frame of the media path (run through scripts/bench-media).
// Usage: parley_bench_media SPEECH.wav [SECONDS]
// Inbound  = RTP parse → jitter buffer insert + pull (decode, 16 kHz) → VAD.
// Outbound = encode → RTP serialize.
// Measured in the same run: raw libopus encode + decode of the same frames with the same settings,
// and the ratio pipeline ÷ raw. All times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID).
#include <opus.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "media/JitterBuffer.hpp"
#include "media/Vad.hpp"
#include "media/codec/G711Codec.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/rtp/RtpPacket.hpp"
#include "tests/media/bench/BenchAudio.hpp"

using namespace parley::media;

namespace {

using bench::loadFrames;
using bench::threadCpuNs;

struct PathCost {
  double inboundUs = 0;
  double outboundUs = 0;
  double bytesPerFrame = 0;
};

/// Runs outbound then inbound over `frames`, returning µs per frame for each direction.
PathCost runPipeline(const std::vector<AudioFrame>& frames, AudioEncoder& enc, AudioDecoder& dec,
                     uint8_t pt) {
  const size_t n = frames.size();
  // Outbound: encode → packetize, into one preallocated buffer per frame.
  std::vector<std::array<uint8_t, 1500>> wire(n);
  std::vector<size_t> wireLen(n);
  std::array<uint8_t, OpusAudioEncoder::kMaxPacket> payload{};
  uint32_t ts = 0;
  uint64_t bytes = 0;
  int64_t t0 = threadCpuNs();
  for (size_t i = 0; i < n; ++i) {
    int len = enc.encode(frames[i], payload);
    RtpHeader h{.payloadType = pt,
                .sequenceNumber = static_cast<uint16_t>(i),
                .timestamp = ts,
                .ssrc = 0x1234};
    wireLen[i] = RtpPacket::serialize(
        h, std::span<const uint8_t>(payload.data(), static_cast<size_t>(std::max(len, 0))),
        wire[i]);
    ts += enc.ticksPerFrame();
    bytes += wireLen[i];
  }
  int64_t t1 = threadCpuNs();
  // Inbound: depacketize → jitter buffer → decode → VAD, one packet in and one frame out per 20 ms.
  JitterBuffer jb(dec);
  Vad vad;
  AudioFrame out;
  int speech = 0;
  int64_t t2 = threadCpuNs();
  for (size_t i = 0; i < n; ++i) {
    auto pkt = RtpPacket::parse(std::span<const uint8_t>(wire[i].data(), wireLen[i]));
    if (pkt) jb.insert(*pkt, static_cast<int64_t>(i) * kFrameNs);
    jb.pull(out);
    speech += vad.process(out.span());
  }
  int64_t t3 = threadCpuNs();
  if (speech < 0) std::abort();  // keep the VAD result live
  return PathCost{double(t3 - t2) / 1000.0 / double(n), double(t1 - t0) / 1000.0 / double(n),
                  double(bytes) / double(n)};
}

struct RawCost {
  double encodeUs = 0;
  double decodeUs = 0;
};

/// libopus alone, same settings as OpusAudioEncoder's defaults, decoding to 16 kHz.
RawCost runRawOpus(const std::vector<AudioFrame>& frames) {
  const OpusEncoderConfig cfg;
  int err = 0;
  OpusEncoder* enc = opus_encoder_create(16000, 1, OPUS_APPLICATION_VOIP, &err);
  OpusDecoder* dec = opus_decoder_create(16000, 1, &err);
  opus_encoder_ctl(enc, OPUS_SET_BITRATE(cfg.bitrate));
  opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(cfg.complexity));
  opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(cfg.inbandFec ? 1 : 0));
  opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(cfg.expectedLossPercent));
  const size_t n = frames.size();
  std::vector<std::array<uint8_t, OpusAudioEncoder::kMaxPacket>> pk(n);
  std::vector<int> len(n);
  int64_t t0 = threadCpuNs();
  for (size_t i = 0; i < n; ++i)
    len[i] = opus_encode(enc, frames[i].samples.data(), 320, pk[i].data(),
                         static_cast<opus_int32>(pk[i].size()));
  int64_t t1 = threadCpuNs();
  std::array<int16_t, 1920> pcm{};
  int64_t t2 = threadCpuNs();
  int decoded = 0;
  for (size_t i = 0; i < n; ++i)
    decoded += opus_decode(dec, pk[i].data(), len[i], pcm.data(), 1920, 0);
  int64_t t3 = threadCpuNs();
  if (decoded < 0) std::abort();
  opus_encoder_destroy(enc);
  opus_decoder_destroy(dec);
  return RawCost{double(t1 - t0) / 1000.0 / double(n), double(t3 - t2) / 1000.0 / double(n)};
}

std::string cpuModel() {
  FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (!f) return "unknown";
  char line[512];
  std::string model = "unknown";
  while (std::fgets(line, sizeof line, f)) {
    std::string s(line);
    if (s.rfind("model name", 0) == 0) {
      model = s.substr(s.find(':') + 2);
      if (!model.empty() && model.back() == '\n') model.pop_back();
      break;
    }
  }
  std::fclose(f);
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = bench::speechArgs(argc, argv);
  if (!args) return 2;
  const auto frames = loadFrames(args->wav, args->frames);
  // Best of 5 repetitions: other processes share the cores; the minimum is the code's own cost.
  PathCost opus{1e9, 1e9, 0}, pcmu{1e9, 1e9, 0};
  RawCost raw{1e9, 1e9};
  for (int rep = 0; rep < 5; ++rep) {
    OpusAudioEncoder oe;
    OpusAudioDecoder od;
    auto o = runPipeline(frames, oe, od, 111);
    G711Encoder ge(G711Law::Ulaw);
    G711Decoder gd(G711Law::Ulaw);
    auto g = runPipeline(frames, ge, gd, 0);
    auto r = runRawOpus(frames);
    if (o.inboundUs + o.outboundUs < opus.inboundUs + opus.outboundUs) opus = o;
    if (g.inboundUs + g.outboundUs < pcmu.inboundUs + pcmu.outboundUs) pcmu = g;
    if (r.encodeUs + r.decodeUs < raw.encodeUs + raw.decodeUs) raw = r;
  }
  const double rawTotal = raw.encodeUs + raw.decodeUs;
  const double opusTotal = opus.inboundUs + opus.outboundUs;
  const double pcmuTotal = pcmu.inboundUs + pcmu.outboundUs;
  const double ratio = opusTotal / rawTotal;
  std::printf("{\n");
  std::printf("  \"cores\": %u,\n", std::thread::hardware_concurrency());
  std::printf("  \"online_cpus\": %ld,\n", sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("  \"cpu_model\": \"%s\",\n", cpuModel().c_str());
  std::printf("  \"timer\": \"CLOCK_THREAD_CPUTIME_ID, best of 5 runs\",\n");
  std::printf("  \"frames_per_run\": %zu,\n", frames.size());
  std::printf(
      "  \"opus\": {\"inbound_us_per_frame\": %.2f, \"outbound_us_per_frame\": %.2f, "
      "\"total_us_per_frame\": %.2f, \"rtp_bytes_per_frame\": %.1f},\n",
      opus.inboundUs, opus.outboundUs, opusTotal, opus.bytesPerFrame);
  std::printf(
      "  \"pcmu\": {\"inbound_us_per_frame\": %.2f, \"outbound_us_per_frame\": %.2f, "
      "\"total_us_per_frame\": %.2f, \"rtp_bytes_per_frame\": %.1f},\n",
      pcmu.inboundUs, pcmu.outboundUs, pcmuTotal, pcmu.bytesPerFrame);
  std::printf(
      "  \"raw_libopus\": {\"encode_us_per_frame\": %.2f, \"decode_us_per_frame\": %.2f, "
      "\"total_us_per_frame\": %.2f},\n",
      raw.encodeUs, raw.decodeUs, rawTotal);
  std::printf("  \"opus_pipeline_over_raw_ratio\": %.3f,\n", ratio);
  std::printf(
      "  \"targets\": {\"opus_ratio_max\": 1.25, \"opus_ratio_met\": %s, "
      "\"pcmu_full_path_max_us\": 10, \"pcmu_met\": %s}\n",
      ratio <= 1.25 ? "true" : "false", pcmuTotal <= 10 ? "true" : "false");
  std::printf("}\n");
  return 0;
}
