// The worker's subsystems, in start order. Each subsystem adds one line here.
#include "agent/WorkerContext.hpp"

namespace parley::agent {

std::vector<std::unique_ptr<Subsystem>> makeSubsystems(WorkerContext& context) {
  std::vector<std::unique_ptr<Subsystem>> list;
  (void)context;
  // list.push_back(makeWhipSubsystem(context));   (WebRTC, issue 8)
  // list.push_back(makeSipSubsystem(context));    (SIP, issue 9)
  return list;
}

}  // namespace parley::agent
