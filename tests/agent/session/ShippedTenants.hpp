#pragma once
// The tenants shipped in config/tenants/ (demo, rhine …), loaded once per test process, for the
// session tests.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "tools/TenantLoader.hpp"

namespace parley::agent::test {

/// The shipped tenant with this id; fails the test if there is none.
inline std::shared_ptr<const tools::Tenant> shippedTenant(const std::string& id) {
  static auto dir = tools::TenantDirectory::loadDir(PARLEY_SOURCE_DIR "/config/tenants");
  auto t = dir.byId(id);
  REQUIRE(t);
  return t;
}

}  // namespace parley::agent::test
