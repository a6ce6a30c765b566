#pragma once
// Runs sipp (Debian sip-tester) against a local SIP endpoint for the SIP tests: one call of a
// scenario from tests/fixtures/sip/, on loopback, with a hard time limit, output kept in a log.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

namespace parley::media::sip::test {

inline std::string fixture(const std::string& name) {
  std::filesystem::path p(PARLEY_SOURCE_DIR);
  return (p / "tests" / "fixtures" / "sip" / name).string();
}

inline std::filesystem::path tempDir() {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley-sip-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

/// A UDP port free right now on 127.0.0.1 (the kernel picks it; `type` SOCK_DGRAM/SOCK_STREAM).
/// Even when `even` (RTP). Small race with other processes; good enough for loopback tests.
inline uint16_t freePort(bool even = false) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    uint16_t port = ntohs(a.sin_port);
    if (!even || port % 2 == 0) return port;
  }
  return 0;
}

/// Copies a scenario with placeholders replaced ("@STATUS@" → "404").
inline std::string scenarioWith(const std::string& name,
                                const std::vector<std::pair<std::string, std::string>>& subs) {
  std::ifstream in(fixture(name));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  for (const auto& [from, to] : subs) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
      s.replace(p, from.size(), to);
  }
  auto path = tempDir() / ("gen-" + std::to_string(std::hash<std::string>{}(s)) + ".xml");
  std::ofstream(path) << s;
  return path.string();
}

struct SippResult {
  int exitCode = -1;  ///< 0: every call succeeded
  std::string log;    ///< stdout+stderr and the error/message logs
};

/// One call of `scenarioPath` to 127.0.0.1:`port`, dialling `service`. `extra`: more sipp flags.
inline SippResult runSipp(const std::string& scenarioPath, uint16_t port,
                          const std::string& service, const std::string& extra = "",
                          int timeoutS = 40) {
  auto dir = tempDir();
  std::string tag = std::to_string(port) + "-" + std::to_string(std::rand());
  auto out = dir / ("sipp-" + tag + ".out");
  auto err = dir / ("sipp-" + tag + ".err");
  uint16_t media = freePort(true);
  std::string cmd = "cd " + dir.string() + " && timeout " + std::to_string(timeoutS + 10) +
                    " sipp 127.0.0.1:" + std::to_string(port) + " -sf " + scenarioPath + " -s '" +
                    service + "' -i 127.0.0.1 -mi 127.0.0.1 -mp " + std::to_string(media) +
                    " -m 1 -l 1 -nostdin -timeout " + std::to_string(timeoutS) +
                    "s -timeout_error -trace_err -error_file " + err.string() + " " + extra +
                    " > " + out.string() + " 2>&1";
  int rc = std::system(cmd.c_str());
  SippResult r;
  r.exitCode = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  for (const auto& f : {out, err}) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    r.log += ss.str();
  }
  return r;
}

/// Waits until something has bound UDP 127.0.0.1:`port` (a server started in the background),
/// up to `timeoutMs`. A REGISTER sent earlier would meet ICMP port-unreachable and fail at once.
inline bool waitUdpBound(uint16_t port, int timeoutMs = 10000) {
  for (int waited = 0; waited < timeoutMs; waited += 20) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::close(fd);
    if (rc != 0) return true;
    ::usleep(20 * 1000);
  }
  return false;
}

/// sipp as a server (e.g. a registrar) on 127.0.0.1:`port` for one call of `scenarioPath`,
/// running in the background from now on; the future gives its result when it exits.
inline std::future<SippResult> startSippServer(const std::string& scenarioPath, uint16_t port,
                                               int timeoutS = 40) {
  // Its own RTP echo port, as runSipp does: sipp's default (6000) is where every server sipp
  // starts probing, so concurrent tests would otherwise race for the same ports.
  uint16_t media = freePort(true);
  return std::async(std::launch::async, [scenarioPath, port, timeoutS, media] {
    auto dir = tempDir();
    std::string tag = "uas-" + std::to_string(port);
    auto out = dir / ("sipp-" + tag + ".out");
    auto err = dir / ("sipp-" + tag + ".err");
    std::string cmd =
        "cd " + dir.string() + " && timeout " + std::to_string(timeoutS + 10) + " sipp -sf " +
        scenarioPath + " -p " + std::to_string(port) + " -i 127.0.0.1 -mi 127.0.0.1 -mp " +
        std::to_string(media) + " -m 1 -nostdin -timeout " + std::to_string(timeoutS) +
        "s -timeout_error -trace_err -error_file " + err.string() + " > " + out.string() + " 2>&1";
    int rc = std::system(cmd.c_str());
    SippResult r;
    r.exitCode = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    for (const auto& f : {out, err}) {
      std::ifstream in(f);
      std::stringstream ss;
      ss << in.rdbuf();
      r.log += ss.str();
    }
    return r;
  });
}

/// A sipp server running a scenario, its SIP port bound (see startBoundSippServer).
struct SippServer {
  uint16_t port = 0;
  std::future<SippResult> result;
  std::string startError;  ///< empty when bound; otherwise why not, with sipp's output
};

/// sipp as a server on a free loopback port, returned once that port is bound: a REGISTER sent
/// earlier would meet ICMP port-unreachable. Another process can take the port between
/// freePort() and sipp's bind, so a sipp that exits before binding is tried again on a new port
/// (three tries); `startError` says what the last one printed when none bound in `waitMs`.
inline SippServer startBoundSippServer(const std::string& scenarioPath, int timeoutS,
                                       int waitMs = 20000) {
  SippServer s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    s.port = freePort();
    s.result = startSippServer(scenarioPath, s.port, timeoutS);
    for (int waited = 0; waited < waitMs; waited += 20) {
      if (s.result.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
      if (waitUdpBound(s.port, 20)) return s;
    }
    if (s.result.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
      s.startError = "sipp did not bind 127.0.0.1:" + std::to_string(s.port) + " in " +
                     std::to_string(waitMs) + " ms";
      return s;
    }
    auto r = s.result.get();
    s.startError = "sipp exited (" + std::to_string(r.exitCode) +
                   ") before binding 127.0.0.1:" + std::to_string(s.port) + ":\n" + r.log;
  }
  return s;
}

}  // namespace parley::media::sip::test
