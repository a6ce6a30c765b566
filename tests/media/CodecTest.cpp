#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "media/FrameConverter.hpp"
#include "media/Resampler.hpp"
#include "media/codec/OpusCodec.hpp"

using namespace parley::media;

namespace {
AudioFrame tone(int index, double hz = 440, double amp = 8000) {
  AudioFrame f;
  for (size_t i = 0; i < kFrameSamples; ++i)
    f.samples[i] = static_cast<int16_t>(
        amp * std::sin(2 * M_PI * hz * double(index * 320 + int(i)) / 16000.0));
  return f;
}
double rms(std::span<const int16_t> s) {
  double sum = 0;
  for (auto v : s) sum += double(v) * v;
  return std::sqrt(sum / double(s.size()));
}
}  // namespace

TEST_CASE("Opus encodes 20 ms frames that decode straight to 16 kHz") {
  OpusAudioEncoder enc;
  OpusAudioDecoder dec;
  CHECK(enc.rtpClockRate() == 48000);
  CHECK(enc.ticksPerFrame() == 960);
  std::array<uint8_t, OpusAudioEncoder::kMaxPacket> pkt{};
  std::array<int16_t, AudioDecoder::kMaxDecodeSamples> out{};
  double inRms = 0, outRms = 0;
  for (int i = 0; i < 50; ++i) {
    auto f = tone(i);
    int n = enc.encode(f, pkt);
    REQUIRE(n > 0);
    REQUIRE(n < 200);  // 24 kb/s ≈ 60 bytes per frame
    auto payload = std::span<const uint8_t>(pkt.data(), static_cast<size_t>(n));
    CHECK(dec.packetTicks(payload) == 960);
    int m = dec.decode(payload, out);
    REQUIRE(m == 320);
    if (i > 10) {
      inRms += rms(f.span());
      outRms += rms(std::span<const int16_t>(out.data(), 320));
    }
  }
  CHECK(outRms / inRms == doctest::Approx(1.0).epsilon(0.2));
}

TEST_CASE("Opus: digital silence uses the pre-encoded silence packet - DTX sends nothing") {
  OpusAudioEncoder enc;
  OpusAudioDecoder dec;
  std::array<uint8_t, OpusAudioEncoder::kMaxPacket> pkt{};
  AudioFrame zero;
  int n = 0;
  for (int i = 0; i < 5; ++i) n = enc.encode(zero, pkt);
  REQUIRE(n == 3);
  CHECK(pkt[0] == 0xF8);
  CHECK(enc.silentFrames() == 3);  // 5 zero frames minus 2 encoded to ring out
  std::array<int16_t, AudioDecoder::kMaxDecodeSamples> out{};
  CHECK(dec.decode(OpusAudioEncoder::kSilencePacket, out) == 320);
  for (size_t i = 0; i < 320; ++i) CHECK(std::abs(out[i]) < 4);

  OpusAudioEncoder dtx(OpusEncoderConfig{.dtx = true});
  int last = -1;
  for (int i = 0; i < 5; ++i) last = dtx.encode(zero, pkt);
  CHECK(last == 0);
}

TEST_CASE("Opus: PLC and FEC produce a full frame") {
  OpusAudioEncoder enc(OpusEncoderConfig{.inbandFec = true, .expectedLossPercent = 20});
  OpusAudioDecoder dec;
  std::array<uint8_t, OpusAudioEncoder::kMaxPacket> pkt{};
  std::array<int16_t, AudioDecoder::kMaxDecodeSamples> out{};
  for (int i = 0; i < 10; ++i) {
    int n = enc.encode(tone(i), pkt);
    dec.decode(std::span<const uint8_t>(pkt.data(), static_cast<size_t>(n)), out);
  }
  std::array<int16_t, 320> c{};
  CHECK(dec.conceal(c) == 320);
  CHECK(rms(c) > 100);  // PLC continues the tone rather than going silent at once
  int n = enc.encode(tone(11), pkt);
  CHECK(dec.decodeFec(std::span<const uint8_t>(pkt.data(), static_cast<size_t>(n)), c) == 320);
  CHECK(dec.hasFec());
  CHECK(dec.packetTicks(std::span<const uint8_t>()) == -1);
}

TEST_CASE("Opus encoder accepts 24 and 48 kHz input and rejects other rates") {
  for (int rate : {24000, 48000}) {
    OpusAudioEncoder enc(OpusEncoderConfig{.inputRate = rate});
    std::vector<int16_t> pcm(static_cast<size_t>(rate / 50), 1000);
    pcm[0] = 0;
    std::array<uint8_t, OpusAudioEncoder::kMaxPacket> pkt{};
    CHECK(enc.encodePcm(pcm, pkt) > 0);
    CHECK(enc.encode(AudioFrame{}, pkt) == -1);  // AudioFrame is 16 kHz only
  }
  CHECK_THROWS(OpusAudioEncoder(OpusEncoderConfig{.inputRate = 44100}));
}

TEST_CASE("Resampler: exact block sizes for 8/16/24/48 kHz and preserved level") {
  struct Case {
    int in, out;
  };
  for (Case c : {Case{8000, 16000}, Case{16000, 8000}, Case{48000, 16000}, Case{16000, 48000},
                 Case{24000, 16000}, Case{16000, 24000}, Case{16000, 16000}}) {
    Resampler r(c.in, c.out);
    std::vector<int16_t> in(static_cast<size_t>(c.in / 50));
    std::vector<int16_t> out(r.maxOutput(in.size()));
    double inR = 0, outR = 0;
    for (int f = 0; f < 20; ++f) {
      for (size_t i = 0; i < in.size(); ++i)
        in[i] = static_cast<int16_t>(
            8000 * std::sin(2 * M_PI * 440 * double(f * int(in.size()) + int(i)) / c.in));
      size_t n = r.process(in, out);
      CHECK(n == static_cast<size_t>(c.out / 50));
      if (f > 3) {
        inR += rms(in);
        outR += rms(std::span<const int16_t>(out.data(), n));
      }
    }
    CHECK(outR / inR == doctest::Approx(1.0).epsilon(0.05));
  }
  CHECK_THROWS(Resampler(4000, 16000));
  CHECK_THROWS(Resampler(16000, 16000, 3));
}

TEST_CASE("Frame converters: 48 kHz stereo in → 16 kHz frames → 8 kHz / 48 kHz stereo out") {
  InboundConverter in(48000, 2);
  std::vector<int16_t> block(960 * 2);
  AudioFrame f;
  int frames = 0;
  for (int k = 0; k < 10; ++k) {
    for (size_t i = 0; i < 960; ++i) {
      auto v = static_cast<int16_t>(8000 *
                                    std::sin(2 * M_PI * 440 * double(k * 960 + int(i)) / 48000.0));
      block[2 * i] = v;
      block[2 * i + 1] = v;
    }
    CHECK(in.push(block));
    while (in.pop(f)) ++frames;
  }
  CHECK(frames == 10);
  CHECK(f.levelDbfs() == doctest::Approx(-15.3).epsilon(0.05));  // 8000/32768 sine ≈ -15.3 dBFS
  OutboundConverter out8(8000, 1);
  OutboundConverter out48(48000, 2);
  std::array<int16_t, OutboundConverter::kMaxOutSamples> buf{};
  CHECK(out8.convert(f, buf) == 160);
  CHECK(out48.convert(f, buf) == 960 * 2);
  CHECK(buf[100] == buf[101]);  // L == R
}

TEST_CASE("AudioFrame helpers") {
  AudioFrame f;
  CHECK(f.isZero());
  CHECK(f.levelDbfs() == -100.0);
  f.samples.fill(16384);
  CHECK(f.levelDbfs() == doctest::Approx(-6.02).epsilon(0.01));
  applyGain(f.span(), 4.0f);
  CHECK(f.samples[0] == 32767);
  std::array<int16_t, 4> st = {100, 300, -100, -300};
  std::array<int16_t, 2> mono{};
  CHECK(downmixStereo(st, mono) == 2);
  CHECK(mono[0] == 200);
  CHECK(mono[1] == -200);
}
