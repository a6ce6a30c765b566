#include "media/rtp/TelephoneEvent.hpp"

#include <algorithm>

namespace parley::media {

namespace {
constexpr char kDigits[] = "0123456789*#ABCD";
/// Longest duration one event may span: the 16-bit duration field at 8 kHz is 8.19 s; a key
/// held longer must be split (§2.5.1.3). We never send more than 5 s.
constexpr int kMaxDurationMs = 5000;
constexpr int kMinDurationMs = 40;  // shortest reliably detected DTMF tone (ITU-T Q.24)
}  // namespace

std::optional<TelephoneEvent> TelephoneEvent::parse(std::span<const uint8_t> p) noexcept {
  if (p.size() < kSize) return std::nullopt;
  TelephoneEvent e;
  e.event = p[0];
  e.end = (p[1] & 0x80) != 0;
  e.volume = p[1] & 0x3F;
  e.duration = static_cast<uint16_t>((p[2] << 8) | p[3]);
  return e;
}

size_t TelephoneEvent::serialize(std::span<uint8_t> out) const noexcept {
  if (out.size() < kSize) return 0;
  out[0] = event;
  out[1] = static_cast<uint8_t>((end ? 0x80 : 0) | (volume & 0x3F));
  out[2] = static_cast<uint8_t>(duration >> 8);
  out[3] = static_cast<uint8_t>(duration);
  return kSize;
}

char eventToDigit(uint8_t event) noexcept {
  return event < 16 ? kDigits[event] : char{0};
}

std::optional<uint8_t> digitToEvent(char digit) noexcept {
  char d = (digit >= 'a' && digit <= 'd') ? static_cast<char>(digit - 'a' + 'A') : digit;
  for (uint8_t i = 0; i < 16; ++i)
    if (kDigits[i] == d) return i;
  return std::nullopt;
}

std::optional<DtmfReceiver::Digit> DtmfReceiver::onPacket(
    uint32_t rtpTimestamp, std::span<const uint8_t> payload) noexcept {
  auto ev = TelephoneEvent::parse(payload);
  if (!ev || ev->event > 15) return std::nullopt;
  for (const auto& s : seen_)
    if (s.used && s.timestamp == rtpTimestamp && s.event == ev->event) return std::nullopt;
  seen_[next_] = Seen{true, rtpTimestamp, ev->event};
  next_ = (next_ + 1) % kHistory;
  return Digit{eventToDigit(ev->event),
               static_cast<int>(int64_t{ev->duration} * 1000 / clockRate_)};
}

DtmfSender::DtmfSender(int clockRate, int intervalMs) noexcept
    : clockRate_(clockRate), intervalTicks_(clockRate * intervalMs / 1000) {}

bool DtmfSender::start(char digit, int durationMs, uint32_t timestamp) noexcept {
  auto ev = digitToEvent(digit);
  if (!ev || active_) return false;
  durationMs = std::clamp(durationMs, kMinDurationMs, kMaxDurationMs);
  active_ = true;
  event_ = *ev;
  timestamp_ = timestamp;
  totalTicks_ = static_cast<uint32_t>(int64_t{durationMs} * clockRate_ / 1000);
  elapsed_ = 0;
  endsSent_ = 0;
  first_ = true;
  return true;
}

std::optional<DtmfSender::Packet> DtmfSender::next() noexcept {
  if (!active_) return std::nullopt;
  Packet p;
  p.timestamp = timestamp_;
  p.marker = first_;
  first_ = false;
  p.event.event = event_;
  p.event.volume = kVolume;
  elapsed_ = std::min(totalTicks_, elapsed_ + static_cast<uint32_t>(intervalTicks_));
  // Durations beyond 16 bits are capped (5 s at 8 kHz fits; at 48 kHz cap at 65535 ticks).
  p.event.duration = static_cast<uint16_t>(std::min<uint32_t>(elapsed_, 0xFFFF));
  if (elapsed_ >= totalTicks_) {
    p.event.end = true;
    if (++endsSent_ >= kEndRepeats) active_ = false;
  }
  return p;
}

}  // namespace parley::media
