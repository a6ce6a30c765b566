#pragma once
// Unguessable random values from the kernel's CSPRNG (getrandom(2)). For ids that act as
// capabilities or must not be predicted from one another: WHIP resource and session ids (whoever
// knows one can read or end that call), ICE ufrag/pwd (RFC 8839 §5.4 wants ≥ 24 and ≥ 128 random
// bits), call, event and campaign ids. A seeded std::mt19937 is not enough: one observed id
// reveals its state (a 32-bit seed is searched in minutes) and with it every later id.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::core {

/// Fills `out` with random bytes. Throws core::SystemError when getrandom fails (it does not on
/// Linux ≥ 3.17 once the pool is initialised; it blocks briefly at early boot instead).
void secureRandomBytes(std::span<uint8_t> out);

/// `n` characters drawn uniformly from `alphabet` (2–256 distinct characters; rejection
/// sampling, so no character is favoured). Throws std::invalid_argument on a bad alphabet.
std::string secureRandomString(size_t n, std::string_view alphabet);

/// `n` characters of [A-Za-z0-9]: about 5.95 bits each.
std::string secureRandomToken(size_t n);

/// `n` lower-case hex digits: 4 bits each.
std::string secureRandomHex(size_t n);

/// 64 random bits.
uint64_t secureRandomU64();

}  // namespace parley::core
