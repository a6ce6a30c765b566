#pragma once
// Test helper: runs `parley` as a child process with a given environment, collects its stderr
// lines, and finds the HTTP port from the "ready" log line. Kills the child on destruction.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace parley::test {

class WorkerProcess {
 public:
  /// Starts PARLEY_EXE with `args` (argv[1..]) and extra environment variables.
  WorkerProcess(std::vector<std::string> args, std::map<std::string, std::string> env);
  ~WorkerProcess();
  /// Waits for the JSON "ready" line; returns the listen port, or nullopt on timeout/exit.
  std::optional<int> waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Waits for exit; returns the exit code (or 128+signal), nullopt on timeout.
  std::optional<int> waitExit(std::chrono::milliseconds timeout);
  void signal(int signum);
  bool running();
  std::vector<std::string> lines();
  std::string allOutput();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
  std::optional<int> exitCode_;
};

/// Result of one HTTP request made with libcurl.
struct HttpResult {
  long status = 0;  ///< 0 if the connection failed or was closed without a response
  std::string body;
  std::string headers;
};
HttpResult httpRequest(const std::string& method, const std::string& url,
                       const std::string& body = {},
                       const std::vector<std::string>& headers = {});

}  // namespace parley::test
