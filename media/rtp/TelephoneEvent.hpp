#pragma once
// RFC 4733 telephone-event payload (§2.3): DTMF digits carried as named events in RTP, plus a
// receiver that turns the packet stream into one digit per key press and a sender that produces
// the packet sequence for one digit.
#include <cstdint>
#include <optional>
#include <span>

namespace parley::media {

/// One telephone-event payload (4 bytes on the wire).
struct TelephoneEvent {
  uint8_t event = 0;      ///< 0–9 digits, 10 '*', 11 '#', 12–15 'A'–'D' (RFC 4733 §3.2)
  bool end = false;       ///< E bit: last packet(s) of the event
  uint8_t volume = 0;     ///< 0–63, −dBm0
  uint16_t duration = 0;  ///< in RTP clock ticks since the event's timestamp

  static constexpr size_t kSize = 4;
  /// Parses the first 4 bytes (more may follow in redundant packets, §2.4; ignored). nullopt if
  /// shorter than 4 bytes.
  static std::optional<TelephoneEvent> parse(std::span<const uint8_t> payload) noexcept;
  /// Writes 4 bytes; returns 0 if `out` is smaller.
  size_t serialize(std::span<uint8_t> out) const noexcept;
};

/// Event code ↔ character: '0'–'9', '*', '#', 'A'–'D'. 0 / nullopt for anything else.
char eventToDigit(uint8_t event) noexcept;
std::optional<uint8_t> digitToEvent(char digit) noexcept;

/// Turns received telephone-event packets into one digit per key press. A key press is
/// identified by its RTP timestamp (RFC 4733 §2.5.1.3: every packet of an event carries the
/// event's start time), so retransmitted end packets (three by §2.5.1.4) and a missing marker
/// bit — some carriers never set it — still give exactly one digit.
class DtmfReceiver {
 public:
  struct Digit {
    char digit = 0;
    int durationMs = 0;  ///< duration known from the packet that announced it
  };
  /// `clockRate`: the telephone-event RTP clock (8000 on SIP trunks, 48000 with Opus).
  explicit DtmfReceiver(int clockRate = 8000) noexcept : clockRate_(clockRate) {}
  /// Feeds one packet's timestamp and payload. Returns the digit the first time an event is
  /// seen, nullopt for repeats, unknown events and garbage.
  std::optional<Digit> onPacket(uint32_t rtpTimestamp, std::span<const uint8_t> payload) noexcept;

 private:
  /// Recent event starts remembered: a reordered packet of the previous key press must not be
  /// taken for a new one.
  static constexpr size_t kHistory = 4;
  struct Seen {
    bool used = false;
    uint32_t timestamp = 0;
    uint8_t event = 0;
  };
  int clockRate_;
  Seen seen_[kHistory]{};
  size_t next_ = 0;
};

/// Produces the RTP packets for one digit (RFC 4733 §2.5.1): the first with the marker bit, one
/// every packet interval with a growing duration, then the end packet three times with the final
/// duration. All share the event's start timestamp.
class DtmfSender {
 public:
  struct Packet {
    bool marker = false;
    uint32_t timestamp = 0;
    TelephoneEvent event;
  };
  /// End packets sent (RFC 4733 §2.5.1.4 recommends three for reliability).
  static constexpr int kEndRepeats = 3;
  /// Volume sent: −10 dBm0, a typical keypad level.
  static constexpr uint8_t kVolume = 10;

  /// `clockRate`: telephone-event clock; `intervalMs`: packet spacing (the audio ptime).
  explicit DtmfSender(int clockRate = 8000, int intervalMs = 20) noexcept;
  /// Starts a digit at RTP time `timestamp`. Returns false for an unknown digit or if one is
  /// already in progress. `durationMs` is clamped to [40, 5000].
  bool start(char digit, int durationMs, uint32_t timestamp) noexcept;
  /// The next packet to send this interval, or nullopt when idle.
  std::optional<Packet> next() noexcept;
  bool active() const noexcept { return active_; }

 private:
  int clockRate_;
  int intervalTicks_;
  bool active_ = false;
  uint8_t event_ = 0;
  uint32_t timestamp_ = 0;
  uint32_t totalTicks_ = 0;
  uint32_t elapsed_ = 0;
  int endsSent_ = 0;
  bool first_ = true;
};

}  // namespace parley::media
