#include "agent/fleet/RedisStreamEntries.hpp"

namespace parley::agent {
namespace {

// [[id, [field, value, …]], …] → entries; entries without an id are skipped.
std::vector<RedisStreamEntry> entriesOf(const RedisValue& list, std::string_view field) {
  std::vector<RedisStreamEntry> out;
  if (list.type != RedisValue::Type::Array) return out;
  for (const auto& entry : list.elements) {
    if (entry.type != RedisValue::Type::Array || entry.elements.empty() ||
        entry.elements[0].str.empty())
      continue;
    RedisStreamEntry e{entry.elements[0].str, {}};
    if (entry.elements.size() >= 2) {
      const auto& fields = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2)
        if (fields[i].str == field) {
          e.value = fields[i + 1].str;
          break;
        }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::vector<RedisStreamEntry> readGroupEntries(const RedisValue& reply, std::string_view field) {
  if (!reply.ok() || reply.type != RedisValue::Type::Array || reply.elements.empty()) return {};
  const RedisValue& perStream = reply.elements[0];
  if (perStream.elements.size() < 2) return {};
  return entriesOf(perStream.elements[1], field);
}

std::vector<RedisStreamEntry> autoClaimEntries(const RedisValue& reply, std::string_view field) {
  if (!reply.ok() || reply.type != RedisValue::Type::Array || reply.elements.size() < 2) return {};
  return entriesOf(reply.elements[1], field);
}

}  // namespace parley::agent
