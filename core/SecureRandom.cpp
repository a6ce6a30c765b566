#include "core/SecureRandom.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/Error.hpp"

namespace parley::core {

void secureRandomBytes(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SystemError(std::string("getrandom: ") + std::strerror(errno), errno);
    }
    done += static_cast<size_t>(n);
  }
}

std::string secureRandomString(size_t n, std::string_view alphabet) {
  if (alphabet.size() < 2 || alphabet.size() > 256)
    throw std::invalid_argument("secureRandomString: alphabet needs 2-256 characters");
  // Bytes at or above the largest multiple of the alphabet size are redrawn, so b % size is
  // uniform.
  const size_t size = alphabet.size();
  const size_t limit = 256 - 256 % size;
  std::string s;
  s.reserve(n);
  uint8_t buf[64];
  while (s.size() < n) {
    secureRandomBytes(buf);
    for (uint8_t b : buf) {
      if (b >= limit) continue;
      s.push_back(alphabet[b % size]);
      if (s.size() == n) break;
    }
  }
  return s;
}

std::string secureRandomToken(size_t n) {
  return secureRandomString(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

std::string secureRandomHex(size_t n) {
  return secureRandomString(n, "0123456789abcdef");
}

uint64_t secureRandomU64() {
  uint8_t b[8];
  secureRandomBytes(b);
  uint64_t v = 0;
  for (uint8_t x : b) v = (v << 8) | x;
  return v;
}

}  // namespace parley::core
