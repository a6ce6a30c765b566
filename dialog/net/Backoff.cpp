#include "dialog/net/Backoff.hpp"

#include <algorithm>

namespace parley::dialog {

Backoff::Backoff(Options options, uint32_t seed) : options_(options), rng_(seed) {}

std::optional<uint64_t> Backoff::next(uint64_t serverDelayMs) {
  if (attempt_ >= options_.maxAttempts) return std::nullopt;
  uint32_t n = attempt_++;
  if (serverDelayMs > 0 && serverDelayMs <= maxServerDelayMs()) return serverDelayMs;
  double base = static_cast<double>(options_.initialMs);
  for (uint32_t i = 0; i < n && base < static_cast<double>(options_.maxMs); ++i) base *= 2;
  base = std::min(base, static_cast<double>(options_.maxMs));
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  return static_cast<uint64_t>(base * (1.0 - jitter * dist(rng_)));
}

}  // namespace parley::dialog
