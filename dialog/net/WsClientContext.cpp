#include "dialog/net/WsClientContext.hpp"

// clang-format off
#include <uv.h>
#include <libwebsockets.h>
// clang-format on

#include <mutex>

#include "core/Error.hpp"
#include "core/Log.hpp"

namespace parley::dialog {

// Defined in WsConnection.cpp: the one client protocol every connection binds to.
const lws_protocols* wsClientProtocols();

namespace {
void routeLwsLogs() {
  static std::once_flag once;
  std::call_once(once, [] {
    lws_set_log_level(LLL_ERR | LLL_WARN, [](int level, const char* line) {
      static const core::Logger log("lws");
      std::string_view text(line);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
      if (level & LLL_ERR) {
        log.warn("{}", text);  // lws "errors" include a peer refusing a handshake: not ours
      } else {
        log.debug("{}", text);
      }
    });
  });
}
}  // namespace

WsClientContext::WsClientContext(uv_loop_t* loop)
    : loop_(loop), slot_(new lws_context*(nullptr)), reaper_(loop, [this] {
        // Second and later loop turns after shutdown(): lws's handles have had their close
        // callbacks, so the second destroy completes (and nulls *slot_).
        if (++reaperTicks_ >= 2 && *slot_) lws_context_destroy(*slot_);
        if (!*slot_) reaper_.stop();
      }) {
  routeLwsLogs();
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = wsClientProtocols();
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  void* loops[1] = {loop};
  info.foreign_loops = loops;
  info.pcontext = slot_;
  info.gid = static_cast<gid_t>(-1);
  info.uid = static_cast<uid_t>(-1);
  *slot_ = lws_create_context(&info);
  if (!*slot_) {
    delete slot_;
    throw core::SystemError("lws_create_context failed (is libwebsockets-evlib_uv installed?)", 0);
  }
}

WsClientContext::~WsClientContext() {
  shutdown();
  if (*slot_ == nullptr) delete slot_;
  // else: lws still owns uv handles on a loop that is not running; it writes NULL into *slot_
  // when they close, so the cell must outlive us.
}

void WsClientContext::shutdown() {
  if (shuttingDown_) return;
  shuttingDown_ = true;
  if (*slot_) {
    lws_context_destroy(*slot_);
    reaper_.start(0, 1);
  }
}

}  // namespace parley::dialog
