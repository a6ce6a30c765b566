#pragma once
// Helpers for tests that read files under tests/fixtures/media/.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace parley::media::test {

inline std::string fixturePath(const std::string& name) {
  return std::string(PARLEY_SOURCE_DIR) + "/tests/fixtures/media/" + name;
}

inline std::vector<uint8_t> readBinary(const std::string& name) {
  std::ifstream in(fixturePath(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A `.rtphex` fixture: one captured UDP payload per line, hex (see extract_rtp.py).
inline std::vector<std::vector<uint8_t>> readHexPackets(const std::string& name) {
  std::ifstream in(fixturePath(name));
  std::vector<std::vector<uint8_t>> packets;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<uint8_t> p;
    for (size_t i = 0; i + 1 < line.size(); i += 2)
      p.push_back(static_cast<uint8_t>(std::stoul(line.substr(i, 2), nullptr, 16)));
    packets.push_back(std::move(p));
  }
  return packets;
}

}  // namespace parley::media::test
