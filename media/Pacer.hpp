#pragma once
// One 20 ms clock per loop thread that sends every session's next outbound frame (DESIGN.md §2).
// A single timer instead of one per call keeps wake-ups constant as calls grow, and sending all
// sessions in one burst keeps their packets evenly spaced. libuv timers have 1 ms resolution and
// drift, so each tick is scheduled against an absolute deadline (start + n × 20 ms) rather than
// "20 ms from now"; how late each tick actually fired is recorded as the send-time jitter.
#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/Clock.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"

namespace parley::media {

/// What the pacer drives: a call leg's outbound side.
class PacedSender {
 public:
  virtual ~PacedSender() = default;
  /// Called once per 20 ms on the loop thread; send (or record) exactly one frame.
  /// `deadlineNs` is the monotonic time this frame was due.
  virtual void onPacerTick(int64_t deadlineNs) = 0;
};

class Pacer {
 public:
  /// If the loop stalled, at most this many overdue ticks are replayed at once (100 ms), so the
  /// far jitter buffer refills; older ones are skipped because that audio is already too late.
  static constexpr int kMaxCatchUpTicks = 5;

  /// Runs on `loop` (borrowed). `clock` is borrowed; the send-time jitter goes to
  /// `parley_pacer_send_jitter_seconds{loop=name}` in `metrics`. Throws core::SystemError if the
  /// timer cannot be created.
  Pacer(uv_loop_t* loop, core::Clock& clock, const std::string& name = "media",
        core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  ~Pacer();
  Pacer(const Pacer&) = delete;
  Pacer& operator=(const Pacer&) = delete;

  /// Registers a sender (borrowed; must remove() itself before it dies). Starts the timer with
  /// the first sender. Loop thread only. Safe to call from inside onPacerTick.
  void add(PacedSender* sender);
  /// Unregisters; safe from inside onPacerTick. Stops the timer when no sender is left.
  void remove(PacedSender* sender);
  size_t size() const;

  uint64_t ticks() const noexcept { return ticks_; }
  /// Ticks skipped because the loop stalled for more than kMaxCatchUpTicks frames.
  uint64_t skippedTicks() const noexcept { return skipped_; }
  const core::Histogram& jitter() const noexcept { return jitter_; }

 private:
  void onTimer();
  void schedule();

  core::Clock& clock_;
  core::Histogram& jitter_;
  core::Timer timer_;
  std::vector<PacedSender*> senders_;  ///< borrowed; null entries are removed after a tick
  bool running_ = false;
  bool inTick_ = false;
  int64_t nextDeadlineNs_ = 0;
  uint64_t ticks_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace parley::media
