#include "agent/SessionRegistry.hpp"

namespace parley::agent {

SessionRegistry::SessionRegistry(core::MetricsRegistry& metrics)
    : gauge_(metrics.gauge("parley_active_sessions", "Calls in progress on this worker")),
      total_(metrics.counter("parley_sessions_total", "Calls started on this worker")) {
  gauge_.set(0);
}

void SessionRegistry::started() {
  gauge_.set(static_cast<double>(active_.fetch_add(1) + 1));
  total_.inc();
}

void SessionRegistry::ended() { gauge_.set(static_cast<double>(active_.fetch_sub(1) - 1)); }

}  // namespace parley::agent
