#include "media/Pacer.hpp"

#include <algorithm>

#include "media/AudioFrame.hpp"

namespace parley::media {

namespace {
std::vector<double> jitterBuckets() {
  // Seconds: 0.1 ms … 50 ms; a tick later than a frame (20 ms) means a stalled loop.
  return {0.0001, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.05};
}
}  // namespace

Pacer::Pacer(uv_loop_t* loop, core::Clock& clock, const std::string& name,
             core::MetricsRegistry& metrics)
    : clock_(clock),
      jitter_(metrics.histogram("parley_pacer_send_jitter_seconds",
                                "How late each 20 ms outbound send tick fired", jitterBuckets(),
                                {{"loop", name}})),
      timer_(loop, [this] { onTimer(); }) {}

Pacer::~Pacer() {
  timer_.stop();
}

void Pacer::add(PacedSender* sender) {
  if (std::find(senders_.begin(), senders_.end(), sender) != senders_.end()) return;
  senders_.push_back(sender);
  if (!running_) {
    running_ = true;
    nextDeadlineNs_ = clock_.monoNs() + kFrameNs;
    schedule();
  }
}

void Pacer::remove(PacedSender* sender) {
  auto it = std::find(senders_.begin(), senders_.end(), sender);
  if (it == senders_.end()) return;
  if (inTick_) {
    *it = nullptr;  // compacted after the tick so iteration stays valid
  } else {
    senders_.erase(it);
  }
  if (size() == 0 && running_) {
    running_ = false;
    timer_.stop();
  }
}

size_t Pacer::size() const {
  return static_cast<size_t>(
      std::count_if(senders_.begin(), senders_.end(), [](auto* s) { return s != nullptr; }));
}

void Pacer::schedule() {
  int64_t waitNs = nextDeadlineNs_ - clock_.monoNs();
  // Round up: firing early would send before the deadline; libuv fires at ≥ the timeout.
  // At least 1 ms even when overdue: libuv (1.44) runs a timer re-armed with 0 ms again in
  // the same timer phase, so an overloaded pacer would never let its loop poll for I/O — RTP
  // would pile up unread until every call hit its media timeout. One loop turn between
  // catch-up batches (each ≤ kMaxCatchUpTicks frames) keeps sockets read.
  auto waitMs = static_cast<uint64_t>(std::max<int64_t>(1, (waitNs + 999'999) / 1'000'000));
  timer_.start(waitMs);
}

void Pacer::onTimer() {
  int64_t now = clock_.monoNs();
  int due = 0;
  if (now >= nextDeadlineNs_) due = static_cast<int>((now - nextDeadlineNs_) / kFrameNs) + 1;
  if (due > kMaxCatchUpTicks) {
    skipped_ += static_cast<uint64_t>(due - kMaxCatchUpTicks);
    nextDeadlineNs_ += int64_t{due - kMaxCatchUpTicks} * kFrameNs;
    due = kMaxCatchUpTicks;
  }
  inTick_ = true;
  for (int i = 0; i < due; ++i) {
    jitter_.observe(static_cast<double>(now - nextDeadlineNs_) / 1e9);
    for (size_t k = 0; k < senders_.size(); ++k)
      if (senders_[k]) senders_[k]->onPacerTick(nextDeadlineNs_);
    nextDeadlineNs_ += kFrameNs;
    ++ticks_;
  }
  inTick_ = false;
  senders_.erase(std::remove(senders_.begin(), senders_.end(), nullptr), senders_.end());
  if (running_) schedule();
}

}  // namespace parley::media
