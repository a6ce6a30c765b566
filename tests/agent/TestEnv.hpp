#pragma once
// An environment for config tests: core::EnvLookup over a fixed map instead of the process's
// variables, so a test sets PARLEY_* overrides without touching the real environment.
#include <map>
#include <optional>
#include <string>

#include "core/Config.hpp"

namespace parley::test {

inline core::EnvLookup mapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace parley::test
