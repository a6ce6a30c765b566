#pragma once
// Call-control tools that act on the phone line itself rather than on bookings. The session adds
// them only where the call leg can do what they ask (DESIGN.md §1: tools stay leg-agnostic; the
// conversation hands the result to the session, which drives the leg).
#include "tools/ToolRegistry.hpp"

namespace parley::tools {

/// Keys one send_dtmf call may press: a phone-menu path or a PIN is far shorter.
inline constexpr size_t kMaxDtmfDigits = 32;

/// Adds `send_dtmf` {digits: "1", "2#", "1234#"}: press keys on the phone keypad (RFC 4733 on the
/// call), e.g. to get through the other side's phone menu on an outbound call. Digits are 0-9,
/// '*', '#', 'A'-'D', 1..kMaxDtmfDigits of them; anything else gets invalid_arguments. The handler
/// sends nothing itself (it runs on a pool thread): it answers {"status":"sending_keys",
/// "digits":…} and the conversation passes the digits to the session, which queues them on the
/// leg (100 ms per key, 100 ms apart). Throws std::invalid_argument if already added.
void registerSendDtmfTool(ToolRegistry& registry);

}  // namespace parley::tools
