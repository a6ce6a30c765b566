// Reading Redis stream replies (XREADGROUP, XAUTOCLAIM) into entries, for the consumers that
// share a stream across workers (outbound call queue, webhook outbox). RESP2 shapes as
// documented for Redis 7: https://redis.io/commands/xreadgroup/ and /commands/xautoclaim/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/fleet/RedisClient.hpp"

namespace parley::agent {

/// One stream entry: its id ("1700000000000-0") and the value of the field the consumer reads.
/// `value` is "" when the entry lacks that field (a foreign or damaged entry: the consumer
/// drops it with an error rather than looping on it).
struct RedisStreamEntry {
  std::string id;
  std::string value;
};

/// Entries of an XREADGROUP reply [[stream, [[id, [field, value, …]], …]]] for one stream.
/// An error, nil (nothing new) or malformed reply gives no entries; never throws.
std::vector<RedisStreamEntry> readGroupEntries(const RedisValue& reply, std::string_view field);

/// Entries of an XAUTOCLAIM reply [next cursor, [[id, [field, value, …]], …], [deleted ids]].
/// Same rules as readGroupEntries.
std::vector<RedisStreamEntry> autoClaimEntries(const RedisValue& reply, std::string_view field);

}  // namespace parley::agent
