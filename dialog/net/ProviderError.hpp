#pragma once
// The one error type every provider client (STT, LLM, TTS) reports through its listener
// (STYLE.md "Errors": a category and whether retrying can help). Never thrown on the loop.
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::dialog {

/// Why a provider call failed. The session maps these to an apology, a fallback or a retry.
enum class ErrorCategory {
  Auth,          ///< 401/403, handshake refused for credentials: fix the key, never retry
  RateLimit,     ///< 429 or quota: retry after the server's delay (unless quota is exhausted)
  Connectivity,  ///< DNS, TCP, TLS, socket dropped mid-stream: retry with backoff
  Server,        ///< 5xx, malformed/unexpected message from the provider: retry may help
  BadRequest,    ///< 400/404/422, rejected parameters: fix the config, never retry
  Timeout,       ///< connect, first-token or first-byte deadline passed: retry may help
};

/// Stable lowercase name for logs, metrics labels and JSON lines: "auth", "rate_limit",
/// "connectivity", "server", "bad_request", "timeout".
constexpr std::string_view categoryName(ErrorCategory c) {
  switch (c) {
    case ErrorCategory::Auth:
      return "auth";
    case ErrorCategory::RateLimit:
      return "rate_limit";
    case ErrorCategory::Connectivity:
      return "connectivity";
    case ErrorCategory::Server:
      return "server";
    case ErrorCategory::BadRequest:
      return "bad_request";
    case ErrorCategory::Timeout:
      return "timeout";
  }
  return "server";
}

/// A failed provider call. `httpStatus` is the HTTP status of a refused request or handshake
/// (0 if none); `closeCode` the websocket close code (RFC 6455 §7.4, 0 if none). `message` is
/// the provider's own text (e.g. Deepgram's `dg-error`, OpenAI's `error.message`), never a key.
struct ProviderError {
  ErrorCategory category = ErrorCategory::Server;
  bool retryable = false;
  std::string message;
  int httpStatus = 0;
  int closeCode = 0;
  /// Delay the server asked for before a retry (Retry-After), ms; 0 = none given.
  uint64_t retryAfterMs = 0;
};

/// Category and retryability for an HTTP status of a refused request (openai-chat-stream.md §6,
/// deepgram-live.md §1): 401/403 auth (permanent), 408 timeout, 429 rate limit, ≥500 server
/// (retryable), other 4xx bad request (permanent).
inline ProviderError errorForHttpStatus(int status, std::string message) {
  ProviderError e;
  e.httpStatus = status;
  e.message = std::move(message);
  if (status == 401 || status == 403) {
    e.category = ErrorCategory::Auth;
  } else if (status == 408) {
    e.category = ErrorCategory::Timeout;
    e.retryable = true;
  } else if (status == 409) {
    e.category = ErrorCategory::Server;
    e.retryable = true;
  } else if (status == 429) {
    e.category = ErrorCategory::RateLimit;
    e.retryable = true;
  } else if (status >= 500) {
    e.category = ErrorCategory::Server;
    e.retryable = true;
  } else {
    e.category = ErrorCategory::BadRequest;
  }
  return e;
}

}  // namespace parley::dialog
