#pragma once
// Structured logging on spdlog. Text with colours on a TTY, one JSON object per line otherwise
// (journald / log shippers). Every line carries its component tag, and loggers derived with
// `with()` carry context fields (call_id, tenant, leg) so a call can be followed across threads.
// Never log secrets or per-frame events at info (DESIGN.md; use debug for per-packet drops).
#include <fmt/format.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spdlog {
class logger;
}

namespace parley::core {

enum class LogLevel { Trace, Debug, Info, Warn, Error, Off };
enum class LogFormat { Auto, Text, Json };

/// Parses "trace|debug|info|warn|error|off"; nullopt-like: returns false on anything else.
bool parseLogLevel(std::string_view s, LogLevel& out);

struct LogSettings {
  LogLevel level = LogLevel::Info;
  LogFormat format = LogFormat::Auto;  ///< Auto: text if stderr is a TTY, else JSON lines.
  std::map<std::string, LogLevel> componentLevels;  ///< overrides per component tag
};

/// (Re)configures every logger; safe to call again (tests, config reload). Logs go to stderr.
void setupLogging(const LogSettings& settings);

/// A component logger with optional context fields. Cheap to copy; thread-safe to use.
class Logger {
 public:
  explicit Logger(const std::string& component);
  /// A copy carrying one more field, e.g. `log.with("call_id", id)`.
  Logger with(std::string key, std::string value) const;

  bool enabled(LogLevel level) const;
  template <typename... A>
  void trace(fmt::format_string<A...> f, A&&... a) const { log(LogLevel::Trace, f, std::forward<A>(a)...); }
  template <typename... A>
  void debug(fmt::format_string<A...> f, A&&... a) const { log(LogLevel::Debug, f, std::forward<A>(a)...); }
  template <typename... A>
  void info(fmt::format_string<A...> f, A&&... a) const { log(LogLevel::Info, f, std::forward<A>(a)...); }
  template <typename... A>
  void warn(fmt::format_string<A...> f, A&&... a) const { log(LogLevel::Warn, f, std::forward<A>(a)...); }
  template <typename... A>
  void error(fmt::format_string<A...> f, A&&... a) const { log(LogLevel::Error, f, std::forward<A>(a)...); }

  /// Emits a line whose extra fields are given here (e.g. the ready line's listen address).
  void event(LogLevel level, std::string_view msg,
             const std::vector<std::pair<std::string, std::string>>& fields) const;

 private:
  template <typename... A>
  void log(LogLevel level, fmt::format_string<A...> f, A&&... a) const {
    if (!enabled(level)) return;
    emit(level, fmt::format(f, std::forward<A>(a)...), {});
  }
  void emit(LogLevel level, std::string_view msg,
            const std::vector<std::pair<std::string, std::string>>& extra) const;

  std::shared_ptr<spdlog::logger> logger_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// JSON string escaping (RFC 8259 §7) for log lines.
std::string jsonEscape(std::string_view s);

}  // namespace parley::core
