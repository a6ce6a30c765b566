#pragma once
// Shared helpers of the tools tests: the demo tenant, fixed instants, temporary folders.
#include <date/date.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "core/Error.hpp"
#include "tools/Tenant.hpp"
#include "tools/TenantLoader.hpp"

namespace parley::tools::test {

/// The shipped demo tenant (config/tenants/demo.yaml).
inline std::shared_ptr<const Tenant> demoTenant() {
  static auto t = std::make_shared<const Tenant>(
      loadTenantFile(std::filesystem::path(PARLEY_SOURCE_DIR) / "config/tenants/demo.yaml"));
  return t;
}

/// The smallest valid tenant file (Paris, one service, one staff member), 12 lines: tests
/// append the keys they exercise.
inline std::string minimalTenantYaml(const std::string& id = "mini") {
  return "id: " + id + R"(
display_name: Mini
time_zone: Europe/Paris
hours:
  monday: "09:00-12:00"
services:
  - id: cut
    duration_minutes: 30
staff:
  - id: ann
    name: Ann
    services: [cut]
)";
}

/// The ConfigError message of loading tenant `text` as "t.yaml" ("" if it loaded).
inline std::string tenantLoadError(const std::string& text) {
  try {
    loadTenantText(text, "t.yaml");
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "";
}

/// A UTC instant from "YYYY-MM-DD HH:MM" (UTC).
inline std::chrono::sys_seconds utc(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  std::sscanf(s.c_str(), "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi);
  return date::sys_days(date::year(y) / static_cast<unsigned>(mo) / static_cast<unsigned>(d)) +
         std::chrono::hours(h) + std::chrono::minutes(mi);
}

/// Monday 2025-01-06 10:00 in New York (15:00 UTC): "now" of most tests.
inline std::chrono::sys_seconds mondayTen() {
  return utc("2025-01-06 15:00");
}

/// A fresh empty folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("parley-tools-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace parley::tools::test
