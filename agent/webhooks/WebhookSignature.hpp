#pragma once
// Webhook signatures (issue 10 "Webhooks"): every delivery carries
//   Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
// so a receiver can check both who sent it and when (a replay window, default 5 min, bounds
// replays of a captured request). Same scheme as Stripe's; the event id in the body and in
// Parley-Event-Id lets receivers deduplicate at-least-once deliveries.
#include <chrono>
#include <string>
#include <string_view>

namespace parley::agent {

/// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string hmacSha256Hex(std::string_view key, std::string_view data);

/// The Parley-Signature header value for `body` sent at Unix time `t`.
std::string signatureHeader(std::string_view secret, int64_t t, std::string_view body);

/// Receiver side: true if `header` is "t=…,v1=…" with a v1 matching `body` under `secret`
/// (constant-time compare) and |now − t| ≤ `window`.
bool verifySignature(std::string_view secret, std::string_view header, std::string_view body,
                     std::chrono::system_clock::time_point now,
                     std::chrono::seconds window = std::chrono::minutes(5));

}  // namespace parley::agent
