#include "dialog/local/LocalChatService.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace parley::dialog::local {
namespace {

using json = nlohmann::json;

/// Request arguments OpenAI's chat completions define (openai-python
/// `completion_create_params.py`); anything else is refused as OpenAI does ("Unrecognized
/// request argument supplied").
const std::set<std::string>& knownArguments() {
  static const std::set<std::string> k = {"model",
                                          "messages",
                                          "stream",
                                          "stream_options",
                                          "tools",
                                          "tool_choice",
                                          "temperature",
                                          "max_tokens",
                                          "max_completion_tokens",
                                          "top_p",
                                          "n",
                                          "stop",
                                          "user",
                                          "parallel_tool_calls",
                                          "seed",
                                          "presence_penalty",
                                          "frequency_penalty",
                                          "response_format",
                                          "logprobs",
                                          "top_logprobs",
                                          "metadata",
                                          "store",
                                          "logit_bias",
                                          "service_tier",
                                          "modalities",
                                          "reasoning_effort",
                                          "prediction",
                                          "audio",
                                          "functions",
                                          "function_call",
                                          "web_search_options"};
  return k;
}

LocalResponse errorResponse(int status, const std::string& message, const std::string& code,
                            const std::string& param = {}) {
  json e = {{"error",
             {{"message", message},
              {"type", "invalid_request_error"},
              {"param", param.empty() ? json(nullptr) : json(param)},
              {"code", code}}}};
  return {.status = status, .contentType = "application/json", .headers = {}, .body = e.dump()};
}

/// Splits reply text into stream pieces of a few words (as a model streams tokens).
std::vector<std::string> pieces(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int wordsIn = 0;
  for (char c : text) {
    cur += c;
    if (c == ' ' && ++wordsIn == 3) {
      out.push_back(cur);
      cur.clear();
      wordsIn = 0;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

int countWords(const std::string& s) {
  std::istringstream in(s);
  int n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

}  // namespace

LocalChatService::LocalChatService(std::shared_ptr<const tools::Tenant> defaultTenant,
                                   const core::Clock& clock)
    : clock_(clock), defaultId_(defaultTenant->id) {
  addTenant(std::move(defaultTenant));
}

void LocalChatService::addTenant(std::shared_ptr<const tools::Tenant> tenant) {
  std::string id = tenant->id;
  policies_[id] = std::make_unique<BookingPolicy>(std::move(tenant), clock_);
}

const BookingPolicy& LocalChatService::policyFor(const std::string& model) const {
  std::string id = model;
  const std::string prefix = "parley-booking:";
  if (id.rfind(prefix, 0) == 0) id = id.substr(prefix.size());
  auto it = policies_.find(id);
  if (it == policies_.end()) it = policies_.find(defaultId_);
  return *it->second;
}

LocalResponse LocalChatService::onHttp(const LocalRequest& request) {
  if (request.path != "/v1/chat/completions" && request.path != "/chat/completions")
    return errorResponse(404, "Unknown path " + request.path + "; use POST /v1/chat/completions.",
                         "not_found");
  if (request.method != "POST")
    return errorResponse(405, "Use POST for /v1/chat/completions.", "method_not_allowed");
  return complete(request.body);
}

LocalResponse LocalChatService::complete(const std::string& body) const {
  json req = json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object())
    return errorResponse(400, "The request body is not a JSON object.", "invalid_json");
  for (const auto& [key, value] : req.items())
    if (!knownArguments().count(key))
      return errorResponse(400, "Unrecognized request argument supplied: " + key,
                           "unknown_parameter", key);
  if (!req.contains("messages") || !req["messages"].is_array() || req["messages"].empty())
    return errorResponse(400, "'messages' must be a non-empty array.", "invalid_messages",
                         "messages");
  std::string model = req.value("model", std::string("parley-booking"));
  bool stream = req.value("stream", false);
  bool includeUsage = stream && req.contains("stream_options") &&
                      req["stream_options"].is_object() &&
                      req["stream_options"].value("include_usage", false);
  std::set<std::string> tools;
  if (req.contains("tools") && req["tools"].is_array())
    for (const auto& t : req["tools"])
      if (t.is_object() && t.contains("function") && t["function"].is_object())
        tools.insert(t["function"].value("name", std::string()));
  bool allowTools = !tools.empty();
  if (req.contains("tool_choice") && req["tool_choice"].is_string() &&
      req["tool_choice"].get<std::string>() == "none")
    allowTools = false;

  PolicyReply reply;
  try {
    reply = policyFor(model).next(req["messages"], tools, allowTools);
  } catch (const std::exception& e) {
    return errorResponse(400, std::string("Invalid messages: ") + e.what(), "invalid_messages",
                         "messages");
  }

  // Ids and timestamps: deterministic per conversation length, "created" from the clock.
  const int64_t created =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.wallNow().time_since_epoch()).count();
  const std::string id = "chatcmpl-parley-" + std::to_string(req["messages"].size());
  const std::string finish = reply.toolCalls.empty() ? "stop" : "tool_calls";
  int promptTokens = countWords(req["messages"].dump());
  int completionTokens = countWords(reply.text);
  for (const auto& c : reply.toolCalls) completionTokens += countWords(c.arguments.dump()) + 1;
  json usage = {{"prompt_tokens", promptTokens},
                {"completion_tokens", completionTokens},
                {"total_tokens", promptTokens + completionTokens}};

  if (!stream) {
    json message = {{"role", "assistant"},
                    {"content", reply.text.empty() ? json(nullptr) : json(reply.text)}};
    if (!reply.toolCalls.empty()) {
      json calls = json::array();
      for (const auto& c : reply.toolCalls)
        calls.push_back({{"id", c.id},
                         {"type", "function"},
                         {"function", {{"name", c.name}, {"arguments", c.arguments.dump()}}}});
      message["tool_calls"] = calls;
    }
    json out = {
        {"id", id},
        {"object", "chat.completion"},
        {"created", created},
        {"model", model},
        {"choices", json::array({{{"index", 0}, {"message", message}, {"finish_reason", finish}}})},
        {"usage", usage}};
    return {.status = 200, .contentType = "application/json", .headers = {}, .body = out.dump()};
  }

  std::string sse;
  auto chunk = [&](json delta, json finishReason) {
    json c = {{"id", id},
              {"object", "chat.completion.chunk"},
              {"created", created},
              {"model", model},
              {"choices", json::array({{{"index", 0},
                                        {"delta", std::move(delta)},
                                        {"finish_reason", std::move(finishReason)}}})}};
    if (includeUsage) c["usage"] = nullptr;
    sse += "data: " + c.dump() + "\n\n";
  };
  chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
  for (const auto& p : pieces(reply.text)) chunk({{"content", p}}, nullptr);
  for (size_t i = 0; i < reply.toolCalls.size(); ++i) {
    const auto& c = reply.toolCalls[i];
    chunk({{"tool_calls", json::array({{{"index", i},
                                        {"id", c.id},
                                        {"type", "function"},
                                        {"function", {{"name", c.name}, {"arguments", ""}}}}})}},
          nullptr);
    // The arguments in two fragments, as models stream them (split inside the JSON text).
    std::string args = c.arguments.dump();
    size_t half = args.size() / 2;
    for (const std::string& part : {args.substr(0, half), args.substr(half)})
      chunk({{"tool_calls", json::array({{{"index", i}, {"function", {{"arguments", part}}}}})}},
            nullptr);
  }
  chunk(json::object(), finish);
  if (includeUsage) {
    json u = {{"id", id},       {"object", "chat.completion.chunk"}, {"created", created},
              {"model", model}, {"choices", json::array()},          {"usage", usage}};
    sse += "data: " + u.dump() + "\n\n";
  }
  sse += "data: [DONE]\n\n";
  return {.status = 200,
          .contentType = "text/event-stream",
          .headers = {{"cache-control", "no-cache"}},
          .body = std::move(sse)};
}

}  // namespace parley::dialog::local
