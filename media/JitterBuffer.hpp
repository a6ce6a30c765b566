#pragma once
// Adaptive jitter buffer for one inbound RTP audio stream: reorders, drops duplicates and late
// packets, conceals losses (Opus FEC/PLC, G.711 repeat-and-fade through AudioDecoder), follows
// the network's delay between configured bounds, and absorbs sender clock drift. Output is one
// AudioFrame (20 ms, 16 kHz) per pull(), called by the leg every 20 ms. Fixed storage: no heap
// after construction, no exceptions, no logging per packet.
//
// Delay model (in the spirit of WebRTC NetEq, much simplified): for each packet, relative transit
// = arrival time − media time; its spread above the window minimum is the queuing delay. The
// target buffer delay is the 95th percentile of that spread over the last kDelayWindow packets
// plus one frame, clamped to [minDelayMs, maxDelayMs]. The buffer grows by concealing without
// advancing when it runs dry (stretch) and shrinks by dropping a frame when it stays above the
// target (accelerate), which also absorbs clock drift in either direction.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/Metrics.hpp"
#include "media/AudioFrame.hpp"
#include "media/codec/AudioCodec.hpp"
#include "media/rtp/RtpPacket.hpp"
#include "media/rtp/SequenceUnwrapper.hpp"

namespace parley::media {

struct JitterBufferConfig {
  int minDelayMs = 20;      ///< never buffer less than one frame
  int maxDelayMs = 200;     ///< beyond ~200 ms conversation suffers more than from loss
  int initialDelayMs = 40;  ///< before any jitter has been measured
  int maxConcealMs = 100;   ///< dry run after which output goes silent and the buffer re-primes
                            ///< (end of a talkspurt, DTX, or a dead sender)
};

/// Counters since construction. Delays in ms.
struct JitterBufferStats {
  uint64_t packets = 0;  ///< accepted into the buffer
  uint64_t invalid = 0;  ///< empty, oversized or undecodable payloads
  uint64_t duplicates = 0;
  uint64_t late = 0;               ///< arrived after their playout time
  uint64_t lost = 0;               ///< playout slots concealed because the packet never came
  uint64_t fecRecovered = 0;       ///< of `lost`, rebuilt from the next packet's FEC
  uint64_t concealedFrames = 0;    ///< 20 ms frames containing concealment (loss + stretch)
  uint64_t acceleratedFrames = 0;  ///< 20 ms dropped to shrink delay / follow drift
  uint64_t resets = 0;             ///< SSRC changes and resynchronisations
  int currentDelayMs = 0;
  int targetDelayMs = 0;
};

/// Process-wide metrics shared by every jitter buffer (labels would multiply per call).
struct JitterBufferMetrics {
  /// Registers the series in `registry` (or finds them if already there). Control path.
  explicit JitterBufferMetrics(core::MetricsRegistry& registry);
  /// The instance on MetricsRegistry::global(), created on first use.
  static JitterBufferMetrics& global();

  core::Counter& packets;
  core::Counter& late;
  core::Counter& duplicates;
  core::Counter& lost;
  core::Counter& concealedMs;
  core::Counter& acceleratedMs;
  core::Histogram& delaySeconds;  ///< current delay, sampled once a second per buffer
};

class JitterBuffer {
 public:
  /// Packets held: 64 × 20 ms = 1.28 s, far beyond maxDelayMs plus reordering.
  static constexpr size_t kSlots = 64;
  /// Largest payload stored: one maximal Opus packet (RFC 6716 §3.2.1) rounded up.
  static constexpr size_t kMaxPayload = 1280;
  /// Packets in the delay-statistics window: 2 s at 20 ms.
  static constexpr size_t kDelayWindow = 100;
  /// A packet further than this ahead of playout means the sender jumped: resynchronise.
  static constexpr int kMaxAheadMs = 2000;
  /// Pulls the delay must stay above target + one frame before a frame is dropped.
  static constexpr int kAccelerateAfterPulls = 10;

  enum class FrameKind { Normal, Concealed, Silence };

  /// `decoder` is borrowed and must outlive the buffer. `metrics` may be null (tests).
  explicit JitterBuffer(AudioDecoder& decoder, const JitterBufferConfig& config = {},
                        JitterBufferMetrics* metrics = nullptr);

  /// Takes one RTP packet arriving at monotonic `arrivalNs`. Returns false if it was dropped
  /// (invalid, duplicate, late). A new SSRC resets the buffer.
  bool insert(const RtpPacket& packet, int64_t arrivalNs) noexcept;
  /// Same, from already-parsed fields (used by insert() and by tests/fuzzers).
  bool insert(uint32_t ssrc, uint16_t seq, uint32_t timestamp, std::span<const uint8_t> payload,
              int64_t arrivalNs) noexcept;
  /// Produces the next 20 ms. Silence before the first packet and after a long gap.
  FrameKind pull(AudioFrame& out) noexcept;
  /// Drops everything (e.g. on hold) and waits for fresh packets.
  void reset() noexcept;

  const JitterBufferStats& stats() const noexcept { return stats_; }
  int targetDelayMs() const noexcept { return targetMs_; }
  /// Media buffered ahead of playout (packets + decoded samples), in ms.
  int bufferedMs() const noexcept;

 private:
  struct Slot {
    bool used = false;
    int64_t seq = 0;  ///< unwrapped
    int64_t ts = 0;   ///< unwrapped, RTP ticks
    int ticks = 0;    ///< duration in RTP ticks
    uint16_t size = 0;
    std::array<uint8_t, kMaxPayload> data{};
  };
  enum class State { Buffering, Playing };

  Slot* findTs(int64_t ts) noexcept;
  Slot* oldest() noexcept;
  void updateTarget(int64_t arrivalNs, int64_t ts) noexcept;
  /// Decodes (or conceals) one playout step into the FIFO. Returns false on underrun.
  bool fill(bool& concealed) noexcept;
  void appendConcealment(size_t samples, std::span<const uint8_t> fecFrom) noexcept;
  void dropExpired() noexcept;
  void accelerate() noexcept;
  int64_t ticksToMs(int64_t ticks) const noexcept { return ticks * 1000 / clockRate_; }

  AudioDecoder& decoder_;  ///< borrowed
  JitterBufferConfig config_;
  JitterBufferMetrics* metrics_;  ///< borrowed, may be null
  int clockRate_;
  State state_ = State::Buffering;
  bool haveSsrc_ = false;
  uint32_t ssrc_ = 0;
  SeqUnwrapper seqUnwrap_;
  TimestampUnwrapper tsUnwrap_;
  std::array<Slot, kSlots> slots_{};
  size_t usedSlots_ = 0;
  int64_t playTs_ = 0;     ///< RTP time of the next sample to decode
  int64_t newestEnd_ = 0;  ///< end (ts + ticks) of the newest packet seen
  int lastTicks_ = 0;      ///< duration of the last packet, used for lost ones
  int underrunMs_ = 0;
  int aboveTargetPulls_ = 0;
  uint64_t pulls_ = 0;

  std::array<int16_t, AudioDecoder::kMaxDecodeSamples + 2 * kFrameSamples> fifo_{};
  size_t fifoCount_ = 0;

  std::array<int32_t, kDelayWindow> transitMs_{};
  size_t transitCount_ = 0;
  size_t transitNext_ = 0;
  int targetMs_;
  JitterBufferStats stats_;
};

}  // namespace parley::media
