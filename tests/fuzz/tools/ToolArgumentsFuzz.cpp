// libFuzzer: arbitrary tool-call argument strings through the registry and the booking tools
// (an in-memory SQLite file per process). The registry must always return a JSON object and
// never throw.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/Clock.hpp"
#include "tools/BookingTools.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

namespace {
parley::tools::ToolRegistry& registry() {
  static parley::core::ManualClock clock(date::sys_days(date::year(2025) / 1 / 6) +
                                         std::chrono::hours(15));
  static auto reg = [] {
    auto tenant = std::make_shared<const parley::tools::Tenant>(parley::tools::loadTenantFile(
        std::filesystem::path(__FILE__).parent_path() / "../../../config/tenants/demo.yaml"));
    auto store = std::make_shared<parley::tools::SqliteBookingStore>(
        std::filesystem::temp_directory_path() / "parley-fuzz-tools.sqlite");
    return parley::tools::makeBookingTools(tenant, store, clock, {"fuzz", "+15551234567"});
  }();
  return *reg;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto& reg = registry();
  auto names = reg.names();
  const std::string& tool = names[data[0] % names.size()];
  std::string args(reinterpret_cast<const char*>(data + 1), size - 1);
  auto result = reg.call(tool, args, "fuzz");
  if (!result.is_object()) std::abort();
  return 0;
}
