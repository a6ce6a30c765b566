#pragma once
// A trunk password from the trunks file: inline (`password`), from the environment
// (`password_env`) or from a file readable only by its owner (`password_file`, mode 0600, one
// line), so a credential need not sit in a file that is checked in or shared. Control path:
// errors are core::ConfigError naming the key and file:line. Never logs the value.
#include <string>

#include "core/Config.hpp"

namespace YAML {
class Node;
}

namespace parley::media::sip {

/// The password under `parent` (a mapping): exactly one of password, password_env,
/// password_file, or none (returns ""). `path` names the mapping in messages
/// ("trunks[0].inbound.digest"), `where` is "file:line". Throws core::ConfigError: several
/// given, the variable unset or empty, the file unreadable, readable by group/others, empty or
/// longer than 1 KiB.
std::string readTrunkSecret(const YAML::Node& parent, const std::string& path,
                            const std::string& where, const core::EnvLookup& env);

/// True for the keys readTrunkSecret() reads (for unknown-key checks).
bool isTrunkSecretKey(const std::string& key);

}  // namespace parley::media::sip
