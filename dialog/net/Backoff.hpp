#pragma once
// Exponential backoff with jitter and a bound on attempts, as the OpenAI SDK does
// (openai-chat-stream.md §6: min(initial·2^n, max) × (1 − jitter·rand)). Pure arithmetic, no
// timers.
#include <cstdint>
#include <optional>
#include <random>

namespace parley::dialog {

class Backoff {
 public:
  struct Options {
    uint64_t initialMs = 500;  ///< delay before the first retry
    uint64_t maxMs = 8000;     ///< cap on a single delay
    uint32_t maxAttempts = 2;  ///< retries allowed before giving up (0 = never retry)
    double jitter = 0.25;      ///< fraction of the delay randomly removed, 0..1
  };
  explicit Backoff(Options options, uint32_t seed = std::random_device{}());

  /// The delay in ms before the next retry, or nullopt when attempts are exhausted.
  /// `serverDelayMs` (from retry-after-ms / retry-after) wins when 0 < it ≤ maxServerDelayMs().
  std::optional<uint64_t> next(uint64_t serverDelayMs = 0);
  /// Forget earlier failures (after a success).
  void reset() { attempt_ = 0; }
  uint32_t attempts() const { return attempt_; }
  /// A server-requested delay above this is ignored in favour of our own (60 s, as the SDK).
  static constexpr uint64_t maxServerDelayMs() { return 60'000; }

 private:
  Options options_;
  uint32_t attempt_ = 0;
  std::minstd_rand rng_;
};

}  // namespace parley::dialog
