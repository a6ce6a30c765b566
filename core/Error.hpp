#pragma once
// Typed errors for the control path (config, HTTP API, call setup). The packet path never throws:
// it returns false/nullopt, counts and drops (DESIGN.md §9, STYLE.md "Errors").
#include <stdexcept>
#include <string>

namespace parley::core {

/// Base of every error Parley throws on purpose. Caught at one boundary per entry point
/// (CLI → exit code, HTTP → status, SIP → response).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A configuration value is unknown, of the wrong type or out of range. `keyPath()` is the
/// dotted key ("http.listen"), `location()` says where the value came from ("parley.yaml:12",
/// "env PARLEY_HTTP_LISTEN", "default"). The CLI turns it into exit code 2.
class ConfigError : public Error {
 public:
  ConfigError(std::string keyPath, std::string location, const std::string& reason)
      : Error(location.empty() ? keyPath + ": " + reason
                               : location + ": " + keyPath + ": " + reason),
        keyPath_(std::move(keyPath)),
        location_(std::move(location)) {}
  const std::string& keyPath() const noexcept { return keyPath_; }
  const std::string& location() const noexcept { return location_; }

 private:
  std::string keyPath_;
  std::string location_;
};

/// Bad usage of the command line (unknown flag, missing argument). Exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

/// An operating-system call failed (bind, open, thread start). Carries the errno/libuv code.
class SystemError : public Error {
 public:
  SystemError(const std::string& what, int code) : Error(what), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

}  // namespace parley::core
