#pragma once
// The tools an LLM may call during one call (DESIGN.md §1, §7): each has a name, a description,
// a JSON Schema of its parameters and a handler. The registry emits the OpenAI `tools` array
// (https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools), validates
// arguments before a handler runs, and always returns a JSON result — a tool-level problem is a
// structured error the LLM can read and recover from, never an exception:
//   {"error": {"code": "invalid_arguments", "message": "...", ...}}
// Handlers are synchronous and run on the calling thread (a worker thread of the libuv pool, see
// dialog/conversation/ToolExecutor), so they must be fast; each gets a time budget it passes to
// the store's lock wait (its timeout). A tool marked readOnly may run at the same time as the
// other calls of the LLM's round (OpenAI parallel tool calls); the others run one at a time, in
// the order the LLM gave them.
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/Clock.hpp"

namespace parley::tools {

/// Arguments longer than this are refused: real ones are < 1 KiB; bounds parsing of LLM output.
constexpr size_t kMaxToolArgumentBytes = 16 * 1024;
/// Default per-tool time budget: a booking is a few ms; 3 s is the most a caller should wait.
constexpr std::chrono::milliseconds kDefaultToolTimeout{3000};

/// What a handler learns about the call it serves.
struct ToolInvocation {
  std::string toolCallId;              ///< the LLM's id for this call ("call_abc"), may be empty
  std::chrono::milliseconds budget{};  ///< time the handler may take (the tool's timeout)
};

/// Returns the result object (success fields or toolError()). May throw; the registry converts.
using ToolHandler =
    std::function<nlohmann::json(const nlohmann::json& args, const ToolInvocation&)>;

struct ToolDefinition {
  std::string name;                                      ///< ^[a-zA-Z0-9_-]{1,64}$ (OpenAI's rule)
  std::string description;                               ///< tells the LLM when to use it
  nlohmann::json parameters = nlohmann::json::object();  ///< JSON Schema of the arguments object
  ToolHandler handler;
  std::chrono::milliseconds timeout = kDefaultToolTimeout;
  /// The handler changes nothing (availability, lookups, business info) and is thread-safe, so
  /// it may run concurrently with the other calls of a round. Writes (book, cancel, reschedule)
  /// and call control (end, transfer) leave it false and run in order.
  bool readOnly = false;
};

/// {"error": {"code": code, "message": message, ...extra}} — the one error shape of every tool.
nlohmann::json toolError(const std::string& code, const std::string& message,
                         const nlohmann::json& extra = nlohmann::json::object());

/// A set of tools (a registry belongs to one call). Not thread-safe for add(); once every tool
/// is added, call() may run from several threads at once (the tool table is then read-only and
/// the metrics registry locks) — each handler decides its own safety, declared by readOnly.
class ToolRegistry {
 public:
  /// `clock` measures handler time against the timeout; must outlive the registry.
  explicit ToolRegistry(const core::Clock& clock = core::SystemClock::instance()) : clock_(clock) {}

  /// Adds a tool. Throws std::invalid_argument for a bad or duplicate name or a missing handler
  /// (programming errors).
  void add(ToolDefinition tool);
  bool has(std::string_view name) const;
  /// Whether `name` is a readOnly tool (false for unknown names: those run in order).
  bool readOnly(std::string_view name) const;
  std::vector<std::string> names() const;

  /// The OpenAI `tools` array: [{"type":"function","function":{name, description, parameters}}].
  nlohmann::json openAiTools() const;

  /// Runs one tool call. `argumentsJson` is the raw string the LLM produced ("" = {}). Never
  /// throws: unknown tool, unparsable or invalid arguments, handler exceptions and overruns all
  /// become error results. Counts parley_tool_calls_total{tool,result} and observes
  /// parley_tool_duration_seconds{tool}.
  nlohmann::json call(std::string_view name, std::string_view argumentsJson,
                      std::string_view toolCallId = {}) noexcept;
  /// Same, with already-parsed arguments.
  nlohmann::json callJson(std::string_view name, const nlohmann::json& arguments,
                          std::string_view toolCallId = {}) noexcept;

 private:
  nlohmann::json run(const ToolDefinition& tool, const nlohmann::json& args,
                     std::string_view toolCallId);
  const core::Clock& clock_;
  std::map<std::string, ToolDefinition, std::less<>> tools_;
  std::vector<std::string> order_;  ///< registration order, for openAiTools()
};

}  // namespace parley::tools
