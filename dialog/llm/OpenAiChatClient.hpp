#pragma once
// LlmClient for any OpenAI-compatible chat completions endpoint: POST {baseUrl}/chat/completions
// with `stream: true`, read as SSE (openai-chat-stream.md). The same code serves OpenAI, Gemini's
// OpenAI endpoint, Groq, vLLM, llama.cpp's llama-server, Ollama and Parley's local scripted
// policy; only baseUrl, model and key differ (dialog/README.md). Runs on the CurlMulti's loop.
//
// Retries (as the OpenAI SDK, §6): 408/409/429/5xx responses, connect failures and a missed
// first-token deadline are retried up to `maxRetries` times, honouring retry-after-ms /
// retry-after (≤ 60 s) else exponential backoff — but only while nothing has been delivered to
// the listener. A stream cut after output started is reported as a retryable Connectivity error.
#include <cstdint>
#include <memory>
#include <string>

#include "core/Metrics.hpp"
#include "dialog/llm/LlmClient.hpp"
#include "dialog/net/CurlMulti.hpp"

namespace parley::dialog {

struct OpenAiChatConfig {
  std::string baseUrl = "https://api.openai.com/v1";  ///< "/chat/completions" is appended
  std::string model = "gpt-4.1-mini";
  std::string apiKey;  ///< sent as "Authorization: Bearer …"; empty = no header (local servers)
  uint64_t connectTimeoutMs = 5000;
  uint64_t firstTokenTimeoutMs = 10'000;  ///< request start → first text/tool fragment
  uint64_t totalTimeoutMs = 120'000;      ///< whole reply; 0 = none
  uint32_t maxRetries = 2;
  uint64_t retryInitialMs = 500;
  uint64_t retryMaxMs = 8000;
  bool includeUsage = true;  ///< stream_options.include_usage
  bool verifyTls = true;

  /// Defaults overridden by OPENAI_BASE_URL and OPENAI_API_KEY when set (DESIGN.md §5).
  static OpenAiChatConfig fromEnvironment();
};

class OpenAiChatClient final : public LlmClient {
 public:
  /// `multi` is the loop's shared CurlMulti (back-reference; must outlive every stream).
  OpenAiChatClient(CurlMulti& multi, OpenAiChatConfig config,
                   core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  std::unique_ptr<LlmStream> stream(const ChatRequest& request, LlmListener& listener) override;

  /// The JSON body sent for `request` (exposed for tests and `parley llm --dry-run`).
  static std::string requestBody(const ChatRequest& request, const OpenAiChatConfig& config);
  const OpenAiChatConfig& config() const { return config_; }

 private:
  CurlMulti& multi_;
  OpenAiChatConfig config_;
  core::Histogram& ttft_;
  core::Counter& retries_;
};

}  // namespace parley::dialog
