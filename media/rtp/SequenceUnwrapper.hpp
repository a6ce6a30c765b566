#pragma once
// Extends wrapping RTP counters (16-bit sequence numbers, 32-bit timestamps; RFC 3550 §5.1) to
// 64-bit values that keep growing across wrap-around, so later code compares with plain `<`.
#include <cstdint>
#include <limits>
#include <type_traits>

namespace parley::media {

/// True if `a` comes after `b` in modular order (the RFC 1982 serial-number rule): the forward
/// distance is less than half the space.
template <typename T>
constexpr bool isNewer(T a, T b) noexcept {
  static_assert(std::is_unsigned_v<T>);
  constexpr T kHalf = static_cast<T>(std::numeric_limits<T>::max() / 2 + 1);
  T diff = static_cast<T>(a - b);
  return diff != 0 && diff < kHalf;
}

/// Unwraps a stream of T values into int64. The first value maps to itself; each next value is
/// placed at the closest position to the previous one (so reordering across a wrap works).
template <typename T>
class Unwrapper {
 public:
  int64_t unwrap(T value) noexcept {
    if (!started_) {
      started_ = true;
      last_ = static_cast<int64_t>(value);
      return last_;
    }
    T lastMod = static_cast<T>(last_);
    int64_t delta = isNewer(value, lastMod) ? int64_t{static_cast<T>(value - lastMod)}
                                            : -int64_t{static_cast<T>(lastMod - value)};
    int64_t result = last_ + delta;
    if (delta > 0) last_ = result;
    return result;
  }
  void reset() noexcept { started_ = false; }
  bool started() const noexcept { return started_; }

 private:
  bool started_ = false;
  int64_t last_ = 0;
};

using SeqUnwrapper = Unwrapper<uint16_t>;
using TimestampUnwrapper = Unwrapper<uint32_t>;

}  // namespace parley::media
