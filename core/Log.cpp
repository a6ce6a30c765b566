#include "core/Log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <mutex>

namespace parley::core {
namespace {

struct LogState {
  std::mutex mutex;
  LogSettings settings;
  bool json = false;
  spdlog::sink_ptr sink;
};

LogState& state() {
  static LogState s;
  return s;
}

spdlog::level::level_enum toSpd(LogLevel l) {
  switch (l) {
    case LogLevel::Trace: return spdlog::level::trace;
    case LogLevel::Debug: return spdlog::level::debug;
    case LogLevel::Info: return spdlog::level::info;
    case LogLevel::Warn: return spdlog::level::warn;
    case LogLevel::Error: return spdlog::level::err;
    case LogLevel::Off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

void applyFormat(spdlog::logger& l, bool json) {
  if (json)
    l.set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","component":"%n",%v})",
                  spdlog::pattern_time_type::utc);
  else
    l.set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
}

LogLevel levelFor(const LogSettings& s, const std::string& component) {
  auto it = s.componentLevels.find(component);
  return it == s.componentLevels.end() ? s.level : it->second;
}

// Must hold state().mutex.
void ensureSink(LogState& st) {
  if (st.sink) return;
  bool tty = isatty(STDERR_FILENO) != 0;
  st.json = st.settings.format == LogFormat::Json ||
            (st.settings.format == LogFormat::Auto && !tty);
  if (!st.json && tty)
    st.sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  else
    st.sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
}

std::shared_ptr<spdlog::logger> getLogger(const std::string& component) {
  LogState& st = state();
  std::lock_guard lock(st.mutex);
  if (auto existing = spdlog::get(component)) return existing;
  ensureSink(st);
  auto l = std::make_shared<spdlog::logger>(component, st.sink);
  applyFormat(*l, st.json);
  l->set_level(toSpd(levelFor(st.settings, component)));
  l->flush_on(spdlog::level::info);
  spdlog::register_logger(l);
  return l;
}

}  // namespace

bool parseLogLevel(std::string_view s, LogLevel& out) {
  static const std::pair<std::string_view, LogLevel> kNames[] = {
      {"trace", LogLevel::Trace}, {"debug", LogLevel::Debug}, {"info", LogLevel::Info},
      {"warn", LogLevel::Warn},   {"error", LogLevel::Error}, {"off", LogLevel::Off}};
  for (const auto& [name, level] : kNames) {
    if (s == name) {
      out = level;
      return true;
    }
  }
  return false;
}

void setupLogging(const LogSettings& settings) {
  LogState& st = state();
  std::lock_guard lock(st.mutex);
  st.settings = settings;
  st.sink.reset();
  ensureSink(st);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    l->sinks().clear();
    l->sinks().push_back(st.sink);
    applyFormat(*l, st.json);
    l->set_level(toSpd(levelFor(st.settings, l->name())));
  });
}

std::string jsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out;
}

Logger::Logger(const std::string& component) : logger_(getLogger(component)) {}

Logger Logger::with(std::string key, std::string value) const {
  Logger copy = *this;
  copy.fields_.emplace_back(std::move(key), std::move(value));
  return copy;
}

bool Logger::enabled(LogLevel level) const { return logger_->should_log(toSpd(level)); }

void Logger::event(LogLevel level, std::string_view msg,
                   const std::vector<std::pair<std::string, std::string>>& fields) const {
  if (enabled(level)) emit(level, msg, fields);
}

void Logger::emit(LogLevel level, std::string_view msg,
                  const std::vector<std::pair<std::string, std::string>>& extra) const {
  bool json;
  {
    LogState& st = state();
    std::lock_guard lock(st.mutex);
    json = st.json;
  }
  std::string line;
  if (json) {
    line = "\"msg\":\"" + jsonEscape(msg) + "\"";
    for (const auto* list : {&fields_, &extra})
      for (const auto& [k, v] : *list) line += ",\"" + jsonEscape(k) + "\":\"" + jsonEscape(v) + "\"";
  } else {
    line.assign(msg);
    for (const auto* list : {&fields_, &extra})
      for (const auto& [k, v] : *list) line += " " + k + "=" + v;
  }
  logger_->log(toSpd(level), "{}", line);
}

}  // namespace parley::core
