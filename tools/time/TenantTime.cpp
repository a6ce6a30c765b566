#include "tools/time/TenantTime.hpp"

#include <date/tz.h>

#include <sstream>

namespace parley::tools {

using namespace std::chrono;

std::optional<SysSeconds> localToUtc(const date::time_zone* zone, date::local_days day,
                                     int minuteOfDay) {
  auto lt = date::local_seconds(day) + minutes(minuteOfDay);
  auto info = zone->get_info(lt);
  switch (info.result) {
    case date::local_info::unique:
      return SysSeconds(lt.time_since_epoch() - info.first.offset);
    case date::local_info::ambiguous:  // the earlier of the two instants
      return SysSeconds(lt.time_since_epoch() - info.first.offset);
    case date::local_info::nonexistent:
      return std::nullopt;
  }
  return std::nullopt;
}

date::local_days localDay(const date::time_zone* zone, SysSeconds t) {
  return date::floor<date::days>(zone->to_local(t));
}

int localMinuteOfDay(const date::time_zone* zone, SysSeconds t) {
  auto lt = zone->to_local(t);
  return static_cast<int>(date::floor<minutes>(lt - date::floor<date::days>(lt)).count());
}

std::string toIsoLocal(const date::time_zone* zone, SysSeconds t) {
  auto info = zone->get_info(t);
  auto local = date::local_seconds((t + info.offset).time_since_epoch());
  std::string s = date::format("%FT%T", local);
  auto off = duration_cast<minutes>(info.offset).count();
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+',
                static_cast<int>(std::abs(off) / 60), static_cast<int>(std::abs(off) % 60));
  return s + buf;
}

std::string speakableTime(int minuteOfDay) {
  int h = minuteOfDay / 60, m = minuteOfDay % 60;
  if (h == 12 && m == 0) return "noon";
  if (h == 0 && m == 0) return "midnight";
  int h12 = h % 12 == 0 ? 12 : h % 12;
  std::string out = std::to_string(h12);
  if (m != 0) out += (m < 10 ? ":0" : ":") + std::to_string(m);
  return out + (h < 12 ? " AM" : " PM");
}

std::string speakableDay(date::local_days day) {
  date::year_month_day ymd(day);
  std::string s = date::format("%A, %B ", day);
  return s + std::to_string(static_cast<unsigned>(ymd.day()));
}

std::string speakable(const date::time_zone* zone, SysSeconds t) {
  return speakableDay(localDay(zone, t)) + " at " + speakableTime(localMinuteOfDay(zone, t));
}

std::optional<date::local_days> parseIsoDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  std::istringstream is{std::string(text)};
  date::year_month_day ymd{};
  is >> date::parse("%F", ymd);
  if (is.fail() || !ymd.ok()) return std::nullopt;
  return date::local_days(ymd);
}

std::string isoDate(date::local_days day) {
  return date::format("%F", day);
}

std::optional<SysSeconds> parseIsoDateTime(const date::time_zone* zone, std::string_view text) {
  constexpr size_t kMaxIsoLen = 40;  // "2025-01-07T14:30:00.000000+05:30" fits; bounds parsing
  if (text.size() < 16 || text.size() > kMaxIsoLen) return std::nullopt;
  std::string s(text);
  if (s[10] == ' ' || s[10] == 't') s[10] = 'T';
  if (s[10] != 'T') return std::nullopt;
  auto date = parseIsoDate(std::string_view(s).substr(0, 10));
  if (!date) return std::nullopt;
  // Time: HH:MM[:SS[.fraction]]
  std::string_view rest = std::string_view(s).substr(11);
  auto digit2 = [](std::string_view v, size_t at) -> int {
    if (v.size() < at + 2 || v[at] < '0' || v[at] > '9' || v[at + 1] < '0' || v[at + 1] > '9')
      return -1;
    return (v[at] - '0') * 10 + (v[at + 1] - '0');
  };
  int hh = digit2(rest, 0), mm = rest.size() > 2 && rest[2] == ':' ? digit2(rest, 3) : -1;
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return std::nullopt;
  size_t pos = 5;
  int ss = 0;
  if (rest.size() > pos && rest[pos] == ':') {
    ss = digit2(rest, pos + 1);
    if (ss < 0 || ss > 60) return std::nullopt;
    pos += 3;
    if (rest.size() > pos && rest[pos] == '.') {
      ++pos;
      size_t n = 0;
      while (rest.size() > pos && rest[pos] >= '0' && rest[pos] <= '9') ++pos, ++n;
      if (n == 0) return std::nullopt;
    }
  }
  std::string_view zonePart = rest.substr(pos);
  int seconds = hh * 3600 + mm * 60 + std::min(ss, 59);
  if (zonePart.empty()) {
    auto lt = date::local_seconds(*date) + std::chrono::seconds(seconds);
    auto info = zone->get_info(lt);
    if (info.result == date::local_info::nonexistent) return std::nullopt;
    return SysSeconds(lt.time_since_epoch() - info.first.offset);
  }
  int offset = 0;
  if (zonePart == "Z" || zonePart == "z")
    offset = 0;
  else {
    if (zonePart.size() != 6 || (zonePart[0] != '+' && zonePart[0] != '-') || zonePart[3] != ':')
      return std::nullopt;
    int oh = digit2(zonePart, 1), om = digit2(zonePart, 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset = (oh * 60 + om) * 60 * (zonePart[0] == '-' ? -1 : 1);
  }
  return SysSeconds(date::sys_days(date->time_since_epoch()).time_since_epoch() +
                    std::chrono::seconds(seconds - offset));
}

}  // namespace parley::tools
