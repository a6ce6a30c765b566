// The worker's subsystems, in start order. Each subsystem adds one line here.
#include "agent/WorkerContext.hpp"
#include "agent/sip/SipSubsystem.hpp"
#include "agent/whip/WhipSubsystem.hpp"

namespace parley::agent {

std::vector<std::unique_ptr<Subsystem>> makeSubsystems(WorkerContext& context) {
  std::vector<std::unique_ptr<Subsystem>> list;
  try {
    list.push_back(makeWhipSubsystem(context));  // WebRTC browser calls (issue 8)
    list.push_back(makeSipSubsystem(context));   // phone calls over a SIP trunk (issue 9)
  } catch (...) {
    // A later subsystem refused its configuration: the ones already built hold sockets on the
    // media loops that only their stop() closes (on those loops); destroying them is not enough.
    for (auto it = list.rbegin(); it != list.rend(); ++it) (*it)->stop();
    throw;
  }
  return list;
}

}  // namespace parley::agent
