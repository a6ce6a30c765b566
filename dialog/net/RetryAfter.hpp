#pragma once
// The delay a server asks for before a retry: `retry-after-ms` (milliseconds, OpenAI) first,
// then `retry-after` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). openai-chat-stream.md §6.
#include <cstdint>
#include <ctime>

#include "dialog/net/CurlMulti.hpp"

namespace parley::dialog {

/// Delay in ms, or 0 when the headers give none (or nonsense). `now` is unix seconds, used for
/// the HTTP-date form.
uint64_t retryAfterMs(const HttpHeaders& headers, std::time_t now);

}  // namespace parley::dialog
