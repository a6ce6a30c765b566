#include "agent/Readiness.hpp"

#include <nlohmann/json.hpp>

namespace parley::agent {

void Readiness::set(const std::string& component, bool ready, std::string detail) {
  std::lock_guard lock(mutex_);
  components_[component] = State{ready, std::move(detail)};
}

void Readiness::setDraining() {
  std::lock_guard lock(mutex_);
  draining_ = true;
}

bool Readiness::draining() const {
  std::lock_guard lock(mutex_);
  return draining_;
}

bool Readiness::ready() const {
  std::lock_guard lock(mutex_);
  if (draining_) return false;
  for (const auto& [name, st] : components_)
    if (!st.ready) return false;
  return true;
}

std::string Readiness::toJson() const {
  std::lock_guard lock(mutex_);
  nlohmann::json comps = nlohmann::json::object();
  bool all = true;
  for (const auto& [name, st] : components_) {
    nlohmann::json c = {{"ready", st.ready}};
    if (!st.detail.empty()) c["detail"] = st.detail;
    comps[name] = c;
    all = all && st.ready;
  }
  const char* status = draining_ ? "draining" : (all ? "ready" : "not_ready");
  return nlohmann::json{{"status", status}, {"components", comps}}.dump();
}

}  // namespace parley::agent
