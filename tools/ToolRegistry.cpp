#include "tools/ToolRegistry.hpp"

#include <stdexcept>

#include "core/Log.hpp"
#include "core/Metrics.hpp"
#include "tools/JsonSchemaValidator.hpp"

namespace parley::tools {

using nlohmann::json;

namespace {

bool validToolName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

void count(const std::string& tool, const json& result, double seconds) noexcept {
  try {
    auto& reg = core::MetricsRegistry::global();
    std::string outcome = "ok";
    if (result.is_object() && result.contains("error") && result["error"].is_object())
      outcome = result["error"].value("code", "error");
    reg.counter("parley_tool_calls_total", "Tool calls by tool and result code",
                {{"tool", tool}, {"result", outcome}})
        .inc();
    reg.histogram("parley_tool_duration_seconds", "Tool handler time",
                  core::latencyBucketsSeconds(), {{"tool", tool}})
        .observe(seconds);
  } catch (...) {
    // metrics must never break a tool call
  }
}

}  // namespace

json toolError(const std::string& code, const std::string& message, const json& extra) {
  json err = {{"code", code}, {"message", message}};
  if (extra.is_object())
    for (const auto& [k, v] : extra.items()) err[k] = v;
  return json{{"error", err}};
}

void ToolRegistry::add(ToolDefinition tool) {
  if (!validToolName(tool.name)) throw std::invalid_argument("bad tool name '" + tool.name + "'");
  if (!tool.handler) throw std::invalid_argument("tool '" + tool.name + "' has no handler");
  if (tools_.count(tool.name) != 0)
    throw std::invalid_argument("duplicate tool '" + tool.name + "'");
  if (!tool.parameters.is_object())
    throw std::invalid_argument("tool '" + tool.name + "' parameters must be an object schema");
  order_.push_back(tool.name);
  std::string name = tool.name;
  tools_.emplace(std::move(name), std::move(tool));
}

bool ToolRegistry::has(std::string_view name) const {
  return tools_.find(name) != tools_.end();
}

bool ToolRegistry::readOnly(std::string_view name) const {
  auto it = tools_.find(name);
  return it != tools_.end() && it->second.readOnly;
}

std::vector<std::string> ToolRegistry::names() const {
  return order_;
}

json ToolRegistry::openAiTools() const {
  json out = json::array();
  for (const auto& name : order_) {
    const auto& t = tools_.find(name)->second;
    out.push_back(
        {{"type", "function"},
         {"function",
          {{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}}}});
  }
  return out;
}

json ToolRegistry::call(std::string_view name, std::string_view argumentsJson,
                        std::string_view toolCallId) noexcept {
  try {
    if (argumentsJson.size() > kMaxToolArgumentBytes)
      return toolError("invalid_arguments", "arguments are larger than 16 KiB");
    json args = json::object();
    auto first = argumentsJson.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos) {
      args = json::parse(argumentsJson, nullptr, /*allow_exceptions=*/false);
      if (args.is_discarded())
        return toolError("invalid_arguments",
                         "arguments are not valid JSON; send one JSON object with the parameters");
    }
    return callJson(name, args, toolCallId);
  } catch (...) {
    return toolError("internal_error", "the tool failed unexpectedly");
  }
}

json ToolRegistry::callJson(std::string_view name, const json& arguments,
                            std::string_view toolCallId) noexcept {
  try {
    auto it = tools_.find(name);
    if (it == tools_.end())
      return toolError("unknown_tool", "there is no tool named '" + std::string(name) + "'",
                       {{"available", order_}});
    const auto& tool = it->second;
    if (!arguments.is_object())
      return toolError("invalid_arguments", "arguments must be a JSON object");
    auto issues = validateJson(tool.parameters, arguments);
    if (!issues.empty()) {
      json list = json::array();
      std::string msg;
      for (const auto& i : issues) {
        std::string field = i.path.empty() ? "arguments" : i.path.substr(1);
        list.push_back({{"parameter", field}, {"problem", i.message}});
        msg += (msg.empty() ? "" : "; ") + field + " " + i.message;
      }
      json result = toolError("invalid_arguments", msg, {{"issues", list}});
      count(tool.name, result, 0);
      return result;
    }
    return run(tool, arguments, toolCallId);
  } catch (...) {
    return toolError("internal_error", "the tool failed unexpectedly");
  }
}

json ToolRegistry::run(const ToolDefinition& tool, const json& args, std::string_view toolCallId) {
  static const core::Logger log("tools");
  int64_t startNs = clock_.monoNs();
  json result;
  try {
    result = tool.handler(args, ToolInvocation{std::string(toolCallId), tool.timeout});
    if (!result.is_object()) result = json{{"result", result}};
  } catch (const std::exception& e) {
    log.error("tool {} failed: {}", tool.name, e.what());
    result = toolError("internal_error",
                       "the tool failed unexpectedly; apologise and offer to try again");
  } catch (...) {
    log.error("tool {} failed with a non-standard exception", tool.name);
    result = toolError("internal_error",
                       "the tool failed unexpectedly; apologise and offer to try again");
  }
  double seconds = static_cast<double>(clock_.monoNs() - startNs) / 1e9;
  if (seconds * 1000.0 > static_cast<double>(tool.timeout.count()))
    log.warn("tool {} took {:.0f} ms, over its {} ms budget", tool.name, seconds * 1000.0,
             tool.timeout.count());
  count(tool.name, result, seconds);
  return result;
}

}  // namespace parley::tools
