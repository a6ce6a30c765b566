// libFuzzer: the trunks YAML file and CIDR strings (operator input, but a typo must give an
// error, never a crash). Invariant: parse either throws core::ConfigError or yields trunks whose
// CIDRs re-parse from their own text.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/Error.hpp"
#include "media/sip/SipTrunks.hpp"

using namespace parley;
using namespace parley::media::sip;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)Cidr::parse(text);
  try {
    auto trunks = SipTrunks::parse(text, "fuzz.yaml");
    for (const auto& t : trunks.all())
      for (const auto& c : t.allow)
        if (!Cidr::parse(c.text())) std::abort();
  } catch (const core::ConfigError&) {
  } catch (const std::exception&) {
    // yaml-cpp conversions inside a node we already validated must not escape as anything else.
    std::abort();
  }
  return 0;
}
