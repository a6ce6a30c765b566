#pragma once
// `${VAR}` / `${VAR:-default}` expansion as the main config applies it (core/Config.hpp), for
// loaders of other YAML files (tenant files). Defined in Config.cpp.
#include <string>

#include "core/Config.hpp"

namespace parley::core {

/// Expands `${VAR}` and `${VAR:-default}` in `text`. Throws ConfigError naming `path` and
/// `where` for an unset VAR without a default or an unterminated `${` (the message quotes
/// `text`: check secrets for a lone `${` before calling).
std::string expandEnvironment(const std::string& text, const EnvLookup& env,
                              const std::string& path, const std::string& where);

}  // namespace parley::core
