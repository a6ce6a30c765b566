#include "dialog/net/Base64.hpp"

#include <array>

namespace parley::dialog {

namespace {
constexpr std::array<int8_t, 256> makeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kTable = makeTable();
}  // namespace

std::optional<std::vector<uint8_t>> base64Decode(std::string_view in, size_t maxInputBytes) {
  if (in.size() > maxInputBytes) return std::nullopt;
  size_t pad = 0;
  while (!in.empty() && in.back() == '=' && pad < 2) {
    in.remove_suffix(1);
    ++pad;
  }
  if (pad > 0 && (in.size() + pad) % 4 != 0) return std::nullopt;
  if (in.size() % 4 == 1) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    int8_t v = kTable[static_cast<unsigned char>(ch)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace parley::dialog
