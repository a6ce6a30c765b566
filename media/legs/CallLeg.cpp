#include "media/legs/CallLeg.hpp"

namespace parley::media {

const char* toString(HangupReason reason) noexcept {
  switch (reason) {
    case HangupReason::Local:
      return "local";
    case HangupReason::Remote:
      return "remote";
    case HangupReason::MediaTimeout:
      return "media_timeout";
    case HangupReason::Error:
      return "error";
  }
  return "unknown";
}

}  // namespace parley::media
