#include "agent/WorkerContext.hpp"

namespace parley::agent {

WorkerContext::WorkerContext(const WorkerSettings& settings, Router& router, Readiness& readiness,
                             SessionRegistry& sessions, const tools::TenantDirectory& tenants,
                             std::vector<std::unique_ptr<MediaLoop>>& loops, uv_loop_t* controlLoop)
    : settings_(settings),
      router_(router),
      readiness_(readiness),
      sessions_(sessions),
      tenants_(tenants),
      loops_(loops),
      controlLoop_(controlLoop) {}

MediaLoop& WorkerContext::pickLoop() {
  MediaLoop* best = loops_.front().get();
  for (auto& l : loops_)
    if (l->sessions.load() < best->sessions.load()) best = l.get();
  return *best;
}

}  // namespace parley::agent
