#include "dialog/llm/OpenAiChatClient.hpp"

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/Log.hpp"
#include "core/Timer.hpp"
#include "dialog/llm/ChatChunk.hpp"
#include "dialog/llm/ToolCallAssembler.hpp"
#include "dialog/net/Backoff.hpp"
#include "dialog/net/RetryAfter.hpp"
#include "dialog/net/SseParser.hpp"

namespace parley::dialog {

namespace {
using nlohmann::json;

constexpr size_t kMaxErrorBodyBytes = 64 * 1024;  // an error body is one short JSON object

std::string errorMessageFromBody(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    auto e = j.find("error");
    if (e != j.end() && e->is_object()) {
      auto m = e->find("message");
      if (m != e->end() && m->is_string()) return m->get<std::string>();
    }
    if (e != j.end() && e->is_string()) return e->get<std::string>();
  }
  return body.substr(0, 200);
}

/// One streamed request, possibly retried. Owned by the caller through LlmStream.
class OpenAiChatStream final : public LlmStream, public HttpListener {
 public:
  OpenAiChatStream(CurlMulti& multi, const OpenAiChatConfig& config, std::string body,
                   LlmListener& listener, core::Histogram& ttft, core::Counter& retries)
      : multi_(multi),
        config_(config),
        listener_(listener),
        ttft_(ttft),
        retries_(retries),
        backoff_({.initialMs = config.retryInitialMs,
                  .maxMs = config.retryMaxMs,
                  .maxAttempts = config.maxRetries}),
        firstTokenTimer_(multi.loop(), [this] { onFirstTokenTimeout(); }),
        retryTimer_(multi.loop(), [this] { startAttempt(); }),
        log_(core::Logger("llm")) {
    request_.url = config.baseUrl;
    while (!request_.url.empty() && request_.url.back() == '/') request_.url.pop_back();
    request_.url += "/chat/completions";
    request_.headers = {"Content-Type: application/json", "Accept: text/event-stream"};
    if (!config.apiKey.empty())
      request_.headers.push_back("Authorization: Bearer " + config.apiKey);
    request_.body = std::move(body);
    request_.connectTimeoutMs = config.connectTimeoutMs;
    request_.totalTimeoutMs = config.totalTimeoutMs;
    request_.verifyTls = config.verifyTls;
    startNs_ = uv_hrtime();
    startAttempt();
  }

  ~OpenAiChatStream() override {
    *alive_ = false;
    cancel();
  }

  void cancel() override {
    active_ = false;
    transfer_.reset();
    firstTokenTimer_.stop();
    retryTimer_.stop();
  }
  bool active() const override { return active_; }

  void onHttpResponse(int status, const HttpHeaders& headers) override {
    status_ = status;
    if (status < 200 || status >= 300) retryAfterMs_ = retryAfterMs(headers, std::time(nullptr));
  }

  void onHttpData(std::span<const uint8_t> bytes) override {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (status_ < 200 || status_ >= 300) {
      if (errorBody_.size() < kMaxErrorBodyBytes)
        errorBody_.append(text.substr(0, kMaxErrorBodyBytes - errorBody_.size()));
      return;
    }
    // Copy events out first: a listener may destroy us while they are handled.
    std::vector<std::string> events;
    bool ok = sse_.feed(text, [&](const SseEvent& ev) {
      if (ev.event == "error") {
        events.push_back(R"({"error":{"message":)" + json(std::string(ev.data)).dump() + "}}");
      } else {
        events.emplace_back(ev.data);
      }
    });
    auto alive = alive_;
    for (const auto& data : events) {
      handleEvent(data);
      if (!*alive || !active_ || finished_) return;
    }
    if (!ok) fail({.category = ErrorCategory::Server, .message = "SSE line or event too large"});
  }

  void onHttpDone(const Done& done) override {
    transfer_.reset();
    if (!active_ || finished_) return;
    if (status_ >= 300 || (status_ > 0 && status_ < 200)) {
      ProviderError e = errorForHttpStatus(status_, errorMessageFromBody(errorBody_));
      e.retryAfterMs = retryAfterMs_;
      // "You exceeded your current quota" is a 429 that no wait will fix.
      if (status_ == 429 && e.message.find("quota") != std::string::npos) e.retryable = false;
      return failOrRetry(std::move(e));
    }
    ProviderError e;
    e.category = ErrorCategory::Connectivity;
    e.retryable = true;
    if (done.curlCode == 0) {
      e.message = "stream ended before [DONE]";
    } else if (done.timedOut) {
      e.category = ErrorCategory::Timeout;
      e.message = done.message;
    } else {
      e.message = done.message;
    }
    if (done.connectFailed || done.timedOut) return failOrRetry(std::move(e));
    fail(std::move(e));  // cut mid-way: the caller decides (output may have been delivered)
  }

 private:
  void startAttempt() {
    if (!active_) return;
    ++attempts_;
    status_ = 0;
    errorBody_.clear();
    retryAfterMs_ = 0;
    sse_ = SseParser();
    tools_.clear();
    transfer_ = multi_.start(request_, *this);
    if (config_.firstTokenTimeoutMs) firstTokenTimer_.start(config_.firstTokenTimeoutMs);
  }

  void onFirstTokenTimeout() {
    if (!active_ || gotFirst_) return;
    transfer_.reset();
    failOrRetry({.category = ErrorCategory::Timeout,
                 .retryable = true,
                 .message = "no first token within " + std::to_string(config_.firstTokenTimeoutMs) +
                            " ms"});
  }

  void handleEvent(const std::string& data) {
    auto chunk = ChatChunk::parse(data);
    if (!chunk) return fail({.category = ErrorCategory::Server, .message = "malformed chunk JSON"});
    if (chunk->error)
      return failOrRetry(
          {.category = ErrorCategory::Server, .retryable = true, .message = *chunk->error});
    if (chunk->done) return complete();
    if (chunk->usage) usage_ = chunk->usage;
    if (!chunk->content.empty() || !chunk->toolCalls.empty()) markFirst();
    for (const auto& d : chunk->toolCalls)
      if (!tools_.add(d))
        return fail({.category = ErrorCategory::Server, .message = "tool call too large"});
    if (!chunk->finishReason.empty()) finishReason_ = chunk->finishReason;
    auto alive = alive_;
    if (!chunk->content.empty()) {
      listener_.onLlmText(chunk->content);
      if (!*alive || !active_) return;
    }
    if (!chunk->finishReason.empty()) emitToolCalls();
  }

  void emitToolCalls() {
    if (toolsEmitted_ || tools_.empty()) return;
    toolsEmitted_ = true;
    listener_.onLlmToolCalls(tools_.calls());
  }

  void markFirst() {
    if (gotFirst_) return;
    gotFirst_ = true;
    firstTokenTimer_.stop();
    ttftMs_ = static_cast<double>(uv_hrtime() - startNs_) / 1e6;
    ttft_.observe(ttftMs_ / 1000.0);
  }

  void complete() {
    auto alive = alive_;
    emitToolCalls();  // servers that never sent a finish_reason
    if (!*alive || !active_) return;
    finished_ = true;
    LlmDone done{.finishReason = finishReason_,
                 .usage = usage_,
                 .timeToFirstTokenMs = ttftMs_,
                 .attempts = attempts_};
    cancel();
    listener_.onLlmDone(done);
  }

  void failOrRetry(ProviderError e) {
    if (e.retryable && !gotFirst_) {
      if (auto delay = backoff_.next(e.retryAfterMs)) {
        retries_.inc();
        log_.info("retrying in {} ms after {} ({})", *delay, categoryName(e.category), e.message);
        transfer_.reset();
        firstTokenTimer_.stop();
        retryTimer_.start(*delay);
        return;
      }
    }
    fail(std::move(e));
  }

  void fail(ProviderError e) {
    if (finished_ || !active_) return;
    finished_ = true;
    cancel();
    log_.warn("chat stream failed: {} ({})", categoryName(e.category), e.message);
    listener_.onLlmError(e);
  }

  CurlMulti& multi_;
  const OpenAiChatConfig& config_;
  LlmListener& listener_;  ///< back-reference
  core::Histogram& ttft_;
  core::Counter& retries_;
  HttpRequest request_;
  Backoff backoff_;
  core::Timer firstTokenTimer_;
  core::Timer retryTimer_;
  core::Logger log_;
  std::unique_ptr<HttpTransfer> transfer_;
  SseParser sse_;
  ToolCallAssembler tools_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::string errorBody_;
  std::string finishReason_;
  std::optional<LlmUsage> usage_;
  uint64_t startNs_ = 0;
  uint64_t retryAfterMs_ = 0;
  double ttftMs_ = 0;
  uint32_t attempts_ = 0;
  int status_ = 0;
  bool active_ = true;
  bool finished_ = false;
  bool gotFirst_ = false;
  bool toolsEmitted_ = false;
};
}  // namespace

OpenAiChatConfig OpenAiChatConfig::fromEnvironment() {
  OpenAiChatConfig c;
  if (const char* base = std::getenv("OPENAI_BASE_URL"); base && *base) c.baseUrl = base;
  if (const char* key = std::getenv("OPENAI_API_KEY"); key && *key) c.apiKey = key;
  return c;
}

OpenAiChatClient::OpenAiChatClient(CurlMulti& multi, OpenAiChatConfig config,
                                   core::MetricsRegistry& metrics)
    : multi_(multi),
      config_(std::move(config)),
      ttft_(metrics.histogram("parley_llm_ttft_seconds",
                              "LLM request start to first streamed token (seconds)",
                              core::latencyBucketsSeconds(), {{"provider", "openai_compatible"}})),
      retries_(metrics.counter("parley_llm_retries_total", "LLM requests retried after an error",
                               {{"provider", "openai_compatible"}})) {}

std::unique_ptr<LlmStream> OpenAiChatClient::stream(const ChatRequest& request,
                                                    LlmListener& listener) {
  return std::make_unique<OpenAiChatStream>(multi_, config_, requestBody(request, config_),
                                            listener, ttft_, retries_);
}

std::string OpenAiChatClient::requestBody(const ChatRequest& request,
                                          const OpenAiChatConfig& config) {
  json body;
  body["model"] = request.model.empty() ? config.model : request.model;
  body["stream"] = true;
  if (config.includeUsage) body["stream_options"] = {{"include_usage", true}};
  json messages = json::array();
  for (const auto& m : request.messages) {
    json msg{{"role", m.role}};
    if (m.role == "assistant" && !m.toolCalls.empty()) {
      msg["content"] = m.content.empty() ? json(nullptr) : json(m.content);
      json calls = json::array();
      for (const auto& c : m.toolCalls)
        calls.push_back({{"id", c.id},
                         {"type", "function"},
                         {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
      msg["tool_calls"] = std::move(calls);
    } else {
      msg["content"] = m.content;
    }
    if (m.role == "tool") msg["tool_call_id"] = m.toolCallId;
    messages.push_back(std::move(msg));
  }
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    json tools = json::array();
    for (const auto& t : request.tools) {
      json params = json::parse(t.parametersJson, nullptr, false);
      if (params.is_discarded() || !params.is_object()) params = {{"type", "object"}};
      tools.push_back(
          {{"type", "function"},
           {"function",
            {{"name", t.name}, {"description", t.description}, {"parameters", params}}}});
    }
    body["tools"] = std::move(tools);
  }
  if (!request.toolChoice.empty()) {
    if (request.toolChoice == "auto" || request.toolChoice == "none" ||
        request.toolChoice == "required") {
      body["tool_choice"] = request.toolChoice;
    } else {
      body["tool_choice"] = {{"type", "function"}, {"function", {{"name", request.toolChoice}}}};
    }
  }
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.maxTokens) body["max_tokens"] = *request.maxTokens;
  // Strings we were handed may hold invalid UTF-8 (an STT mishearing is still UTF-8, but be safe).
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace parley::dialog
