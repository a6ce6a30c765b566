#pragma once
// Fleet-wide invalidation of the availability cache (issue 10, DESIGN.md §8) over Redis pub/sub:
// a worker that books, cancels or reschedules PUBLISHes {"t":tenant,"s":staff,"d":[UTC days],
// "o":worker} on `<prefix>:availability`; every worker SUBSCRIBEs on a connection of its own and
// drops the matching entries of its tools::AvailabilityCache.
//
// Why pub/sub rather than a generation key read on every lookup: a cache hit then costs no
// network round trip (a GET per check_availability would cost about what the SQLite read it
// saves), and a message reaches the other workers within a millisecond on a LAN. Pub/sub is at
// most once, so correctness never depends on a message: the cache serves hits only while the
// subscription is confirmed (a dropped connection clears it and reads go to the store), entries
// live at most the cache's TTL, a publish that failed is resent as a whole-tenant change once
// Redis answers again, and a booking re-checks its slot in the store's transaction.
//
// Threads: publish() from any thread (tools run on the libuv thread pool); everything else on
// the fleet loop thread.
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "agent/fleet/RedisClient.hpp"
#include "core/LoopThread.hpp"
#include "core/Metrics.hpp"
#include "tools/booking/AvailabilityCache.hpp"

namespace parley::agent {

class AvailabilityFeed final : public tools::AvailabilityFleetLink,
                               public std::enable_shared_from_this<AvailabilityFeed> {
 public:
  /// Publishes through `publisher` (borrowed; the fleet's command connection) and subscribes
  /// with a connection of its own to `url`. `self` (this worker's id) marks its own messages.
  /// Call start() next, on the loop thread. Metrics:
  /// parley_availability_fleet_messages_total{event="sent"|"send_failed"|"received"|"bad"}.
  AvailabilityFeed(core::LoopThread& loop, RedisClient& publisher, RedisUrl url,
                   const std::string& prefix, std::string self, tools::AvailabilityCache& cache,
                   core::MetricsRegistry& metrics = core::MetricsRegistry::global());
  /// Connects the subscriber and attaches to the cache. Loop thread.
  void start();
  /// Detaches from the cache, closes the subscriber, forgets the publisher. Loop thread;
  /// publish() after it is a no-op.
  void close();

  /// Any thread: hands the change to the loop, which PUBLISHes it.
  void publish(const tools::AvailabilityChange& change) override;

  const std::string& channel() const { return channel_; }

 private:
  void send(const tools::AvailabilityChange& change);  // loop thread
  void resendUnsent();                                 // loop thread
  void onMessage(const std::string& payload);          // loop thread

  core::LoopThread& loop_;
  RedisClient* publisher_;  ///< borrowed; null after close()
  RedisUrl url_;
  std::string channel_;
  std::string self_;
  tools::AvailabilityCache& cache_;
  std::unique_ptr<RedisClient> subscriber_;  ///< loop thread
  std::set<std::string> unsent_;             ///< tenants whose change could not be published
  core::Counter& sent_;
  core::Counter& sendFailed_;
  core::Counter& received_;
  core::Counter& bad_;
  core::Logger log_{"fleet"};
};

}  // namespace parley::agent
