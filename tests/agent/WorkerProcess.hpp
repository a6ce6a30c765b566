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
  std::string headers;     ///< the header block lower-cased, for substring checks
  std::string rawHeaders;  ///< the header block as sent (session ids are case-sensitive)
  /// The value of header `name` (matched case-insensitively) as sent, trimmed; "" if absent.
  std::string header(const std::string& name) const;
};
/// One request with a 5 s timeout; `headers` are whole "Name: value" lines.
HttpResult httpRequest(const std::string& method, const std::string& url,
                       const std::string& body = {}, const std::vector<std::string>& headers = {});

/// An empty directory <tmp>/parley-test-<name>-<pid> (removed first if it exists).
std::string freshTempDir(const std::string& name);
/// The environment a test worker runs with: HTTP on 127.0.0.1:0, data in a fresh temp dir,
/// 2 media loops, the repo's tenants, JSON logs (so waitReady can read the port).
std::map<std::string, std::string> workerTestEnv(const std::string& name);
/// "http://127.0.0.1:<port><path>".
std::string loopbackUrl(int port, const std::string& path);
/// Polls /readyz every 50 ms for up to 60 s (the local engines load their models first);
/// returns the last answer.
HttpResult waitUntilReady(int port);
/// The value of an unlabelled metric in /metrics ("name value" line); -1 if absent.
double metricValue(int port, const std::string& name);

}  // namespace parley::test
