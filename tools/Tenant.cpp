#include "tools/Tenant.hpp"

#include <algorithm>
#include <cctype>

namespace parley::tools {

std::string toLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StaffMember::performs(std::string_view serviceId) const {
  return std::find(services.begin(), services.end(), serviceId) != services.end();
}

const Service* Tenant::findService(std::string_view key) const {
  std::string k = toLowerAscii(key);
  for (const auto& s : services)
    if (toLowerAscii(s.id) == k || toLowerAscii(s.name) == k) return &s;
  return nullptr;
}

const StaffMember* Tenant::findStaff(std::string_view key) const {
  std::string k = toLowerAscii(key);
  for (const auto& s : staff)
    if (toLowerAscii(s.id) == k || toLowerAscii(s.name) == k) return &s;
  return nullptr;
}

std::vector<TimeRange> Tenant::openHours(date::local_days day) const {
  if (closedDates.count(day) != 0) return {};
  return hours[date::weekday(day).c_encoding()];
}

std::vector<TimeRange> Tenant::staffHours(const StaffMember& who, date::local_days day) const {
  auto open = openHours(day);
  if (!who.hours) return open;
  return intersect(open, (*who.hours)[date::weekday(day).c_encoding()]);
}

std::vector<TimeRange> intersect(const std::vector<TimeRange>& a, const std::vector<TimeRange>& b) {
  std::vector<TimeRange> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int from = std::max(a[i].fromMinute, b[j].fromMinute);
    int to = std::min(a[i].toMinute, b[j].toMinute);
    if (from < to) out.push_back({from, to});
    if (a[i].toMinute < b[j].toMinute)
      ++i;
    else
      ++j;
  }
  return out;
}

}  // namespace parley::tools
