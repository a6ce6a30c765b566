#include "media/JitterBuffer.hpp"

#include <algorithm>
#include <cstring>

namespace parley::media {

namespace {
/// Delay samples go to the histogram once per this many pulls (1 s).
constexpr uint64_t kDelaySamplePulls = 50;
constexpr int kFrameMsInt = kFrameMs;
}  // namespace

JitterBufferMetrics::JitterBufferMetrics(core::MetricsRegistry& r)
    : packets(r.counter("parley_jitter_packets_total", "RTP packets accepted by jitter buffers")),
      late(r.counter("parley_jitter_late_packets_total", "RTP packets that arrived after playout")),
      duplicates(
          r.counter("parley_jitter_duplicate_packets_total", "Duplicate RTP packets dropped")),
      lost(r.counter("parley_jitter_lost_packets_total", "Packets never received, concealed")),
      concealedMs(r.counter("parley_jitter_concealed_ms_total", "Milliseconds of concealed audio")),
      acceleratedMs(r.counter("parley_jitter_accelerated_ms_total",
                              "Milliseconds dropped to cut delay or follow clock drift")),
      delaySeconds(r.histogram("parley_jitter_delay_seconds",
                               "Jitter buffer delay, sampled once a second per stream",
                               {0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.16, 0.2, 0.3, 0.5, 1.0})) {}

JitterBufferMetrics& JitterBufferMetrics::global() {
  static JitterBufferMetrics m(core::MetricsRegistry::global());
  return m;
}

JitterBuffer::JitterBuffer(AudioDecoder& decoder, const JitterBufferConfig& config,
                           JitterBufferMetrics* metrics)
    : decoder_(decoder),
      config_(config),
      metrics_(metrics),
      clockRate_(decoder.rtpClockRate()),
      lastTicks_(decoder.rtpClockRate() / (1000 / kFrameMsInt)),
      targetMs_(std::clamp(config.initialDelayMs, config.minDelayMs, config.maxDelayMs)) {
  stats_.targetDelayMs = targetMs_;
}

void JitterBuffer::reset() noexcept {
  for (auto& s : slots_) s.used = false;
  usedSlots_ = 0;
  state_ = State::Buffering;
  seqUnwrap_.reset();
  tsUnwrap_.reset();
  fifoCount_ = 0;
  underrunMs_ = 0;
  aboveTargetPulls_ = 0;
  transitCount_ = transitNext_ = 0;
  newestEnd_ = playTs_ = 0;
  ++stats_.resets;
}

bool JitterBuffer::insert(const RtpPacket& packet, int64_t arrivalNs) noexcept {
  return insert(packet.ssrc(), packet.sequenceNumber(), packet.timestamp(), packet.payload(),
                arrivalNs);
}

bool JitterBuffer::insert(uint32_t ssrc, uint16_t seq, uint32_t timestamp,
                          std::span<const uint8_t> payload, int64_t arrivalNs) noexcept {
  int ticks = payload.size() <= kMaxPayload ? decoder_.packetTicks(payload) : -1;
  if (payload.empty() || ticks <= 0) {
    ++stats_.invalid;
    return false;
  }
  if (!haveSsrc_ || ssrc != ssrc_) {
    if (haveSsrc_) reset();
    haveSsrc_ = true;
    ssrc_ = ssrc;
  }
  int64_t xseq = seqUnwrap_.unwrap(seq);
  int64_t xts = tsUnwrap_.unwrap(timestamp);
  if (state_ == State::Playing) {
    if (xts < playTs_) {
      ++stats_.late;
      if (metrics_) metrics_->late.inc();
      return false;
    }
    if (ticksToMs(xts - playTs_) > kMaxAheadMs) {
      // The sender jumped (restart with the same SSRC, or a very long DTX gap while we still
      // played): start over from this packet.
      reset();
      xseq = seqUnwrap_.unwrap(seq);
      xts = tsUnwrap_.unwrap(timestamp);
    }
  } else if (usedSlots_ > 0) {
    Slot* o = oldest();
    if (o && std::abs(ticksToMs(xts - o->ts)) > kMaxAheadMs) {
      reset();
      xseq = seqUnwrap_.unwrap(seq);
      xts = tsUnwrap_.unwrap(timestamp);
    }
  }
  Slot& slot = slots_[static_cast<size_t>(xseq) % kSlots];
  if (slot.used) {
    if (slot.seq == xseq) {
      ++stats_.duplicates;
      if (metrics_) metrics_->duplicates.inc();
      return false;
    }
    if (slot.seq > xseq) {  // older than everything we can hold
      ++stats_.late;
      if (metrics_) metrics_->late.inc();
      return false;
    }
    --usedSlots_;  // overwrite a packet 64 sequence numbers stale
  }
  slot.used = true;
  slot.seq = xseq;
  slot.ts = xts;
  slot.ticks = ticks;
  slot.size = static_cast<uint16_t>(payload.size());
  std::memcpy(slot.data.data(), payload.data(), payload.size());
  ++usedSlots_;
  newestEnd_ = std::max(newestEnd_, xts + ticks);
  ++stats_.packets;
  if (metrics_) metrics_->packets.inc();
  updateTarget(arrivalNs, xts);
  return true;
}

void JitterBuffer::updateTarget(int64_t arrivalNs, int64_t ts) noexcept {
  // Relative transit in ms; only its spread matters, so the unknown clock offset cancels.
  auto transit = static_cast<int32_t>(arrivalNs / 1'000'000 - ticksToMs(ts));
  transitMs_[transitNext_] = transit;
  transitNext_ = (transitNext_ + 1) % kDelayWindow;
  transitCount_ = std::min(transitCount_ + 1, kDelayWindow);
  if (transitCount_ < 10) return;  // too few to say anything; keep the initial target
  std::array<int32_t, kDelayWindow> spread{};
  int32_t minT = *std::min_element(transitMs_.begin(), transitMs_.begin() + transitCount_);
  for (size_t i = 0; i < transitCount_; ++i) spread[i] = transitMs_[i] - minT;
  size_t k = transitCount_ * 95 / 100;
  std::nth_element(spread.begin(), spread.begin() + k, spread.begin() + transitCount_);
  int target = spread[k] + kFrameMsInt;
  targetMs_ = std::clamp(target, config_.minDelayMs, config_.maxDelayMs);
  stats_.targetDelayMs = targetMs_;
}

JitterBuffer::Slot* JitterBuffer::findTs(int64_t ts) noexcept {
  for (auto& s : slots_)
    if (s.used && s.ts == ts) return &s;
  return nullptr;
}

JitterBuffer::Slot* JitterBuffer::oldest() noexcept {
  Slot* best = nullptr;
  for (auto& s : slots_)
    if (s.used && (!best || s.ts < best->ts)) best = &s;
  return best;
}

int JitterBuffer::bufferedMs() const noexcept {
  int64_t fifoMs = static_cast<int64_t>(fifoCount_) * 1000 / kInternalRate;
  if (state_ == State::Playing)
    return static_cast<int>(std::max<int64_t>(0, ticksToMs(newestEnd_ - playTs_)) + fifoMs);
  int64_t oldestTs = newestEnd_;
  for (const auto& s : slots_)
    if (s.used) oldestTs = std::min(oldestTs, s.ts);
  return static_cast<int>(ticksToMs(newestEnd_ - oldestTs));
}

void JitterBuffer::dropExpired() noexcept {
  for (auto& s : slots_)
    if (s.used && s.ts < playTs_) {
      s.used = false;
      --usedSlots_;
      ++stats_.late;
      if (metrics_) metrics_->late.inc();
    }
}

void JitterBuffer::appendConcealment(size_t samples, std::span<const uint8_t> fecFrom) noexcept {
  samples = std::min(samples, fifo_.size() - fifoCount_);
  auto dst = std::span<int16_t>(fifo_.data() + fifoCount_, samples);
  int n = fecFrom.empty() ? decoder_.conceal(dst) : decoder_.decodeFec(fecFrom, dst);
  if (n < 0) n = 0;
  fifoCount_ += std::min(static_cast<size_t>(n), samples);
  if (metrics_) metrics_->concealedMs.inc(samples * 1000 / kInternalRate);
}

bool JitterBuffer::fill(bool& concealed) noexcept {
  dropExpired();
  if (Slot* s = findTs(playTs_)) {
    auto dst = std::span<int16_t>(fifo_.data() + fifoCount_, fifo_.size() - fifoCount_);
    int n = decoder_.decode(std::span<const uint8_t>(s->data.data(), s->size), dst);
    const size_t expect = static_cast<size_t>(int64_t{s->ticks} * kInternalRate / clockRate_);
    if (n < 0) {  // corrupt payload: conceal its duration instead
      ++stats_.invalid;
      appendConcealment(expect, {});
      concealed = true;
    } else {
      fifoCount_ += static_cast<size_t>(n);
    }
    playTs_ += s->ticks;
    lastTicks_ = s->ticks;
    s->used = false;
    --usedSlots_;
    underrunMs_ = 0;
    return true;
  }
  // Missing. Declare it lost only once we have waited the target delay for it; until then it
  // may just be reordered, so stretch (conceal without advancing).
  const size_t lostSamples = static_cast<size_t>(int64_t{lastTicks_} * kInternalRate / clockRate_);
  if (usedSlots_ > 0 && ticksToMs(newestEnd_ - playTs_) >= targetMs_) {
    std::span<const uint8_t> fec;
    if (decoder_.hasFec())
      if (Slot* next = findTs(playTs_ + lastTicks_)) {
        fec = std::span<const uint8_t>(next->data.data(), next->size);
        ++stats_.fecRecovered;
      }
    appendConcealment(lostSamples, fec);
    playTs_ += lastTicks_;
    ++stats_.lost;
    if (metrics_) metrics_->lost.inc();
    concealed = true;
    return true;
  }
  return false;
}

void JitterBuffer::accelerate() noexcept {
  // Drop 20 ms: from decoded samples if there are enough, else decode the next packet first.
  bool concealed = false;
  if (fifoCount_ < kFrameSamples && !fill(concealed)) return;
  size_t drop = std::min(fifoCount_, kFrameSamples);
  std::copy(fifo_.begin() + static_cast<std::ptrdiff_t>(drop),
            fifo_.begin() + static_cast<std::ptrdiff_t>(fifoCount_), fifo_.begin());
  fifoCount_ -= drop;
  ++stats_.acceleratedFrames;
  if (metrics_) metrics_->acceleratedMs.inc(kFrameMs);
}

JitterBuffer::FrameKind JitterBuffer::pull(AudioFrame& out) noexcept {
  ++pulls_;
  if (metrics_ && pulls_ % kDelaySamplePulls == 0 && state_ == State::Playing)
    metrics_->delaySeconds.observe(bufferedMs() / 1000.0);
  if (state_ == State::Buffering) {
    Slot* first = oldest();
    if (!first || bufferedMs() < targetMs_) {
      out.clear();
      stats_.currentDelayMs = bufferedMs();
      return FrameKind::Silence;
    }
    state_ = State::Playing;
    playTs_ = first->ts;
    fifoCount_ = 0;
    underrunMs_ = 0;
  }
  bool concealed = false;
  while (fifoCount_ < kFrameSamples) {
    if (fill(concealed)) continue;
    // Dry: nothing to decode and not yet waited out. Stretch by one frame of concealment.
    if (underrunMs_ >= config_.maxConcealMs) {
      state_ = State::Buffering;
      fifoCount_ = 0;
      out.clear();
      stats_.currentDelayMs = bufferedMs();
      return FrameKind::Silence;
    }
    appendConcealment(kFrameSamples - fifoCount_, {});
    underrunMs_ += kFrameMs;
    concealed = true;
  }
  std::copy_n(fifo_.begin(), kFrameSamples, out.samples.begin());
  std::copy(fifo_.begin() + kFrameSamples, fifo_.begin() + static_cast<std::ptrdiff_t>(fifoCount_),
            fifo_.begin());
  fifoCount_ -= kFrameSamples;
  if (concealed) ++stats_.concealedFrames;

  // Shrink toward the target when consistently above it (drift, or the jitter calmed down).
  if (bufferedMs() > targetMs_ + kFrameMsInt) {
    if (++aboveTargetPulls_ >= kAccelerateAfterPulls) {
      accelerate();
      aboveTargetPulls_ = 0;
    }
  } else {
    aboveTargetPulls_ = 0;
  }
  stats_.currentDelayMs = bufferedMs();
  return concealed ? FrameKind::Concealed : FrameKind::Normal;
}

}  // namespace parley::media
