#include "WorkerProcess.hpp"

#include <curl/curl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

extern char** environ;

namespace parley::test {

WorkerProcess::WorkerProcess(std::vector<std::string> args,
                             std::map<std::string, std::string> env) {
  int pipeFds[2];
  if (pipe(pipeFds) != 0) return;
  std::vector<std::string> envStrings;
  for (char** e = environ; *e; ++e) {
    std::string s(*e);
    std::string name = s.substr(0, s.find('='));
    if (name.rfind("PARLEY_", 0) == 0 || env.count(name)) continue;  // isolate from the caller
    envStrings.push_back(s);
  }
  for (const auto& [k, v] : env) envStrings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : envStrings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = PARLEY_EXE;
  std::vector<std::string> argStrings{exe};
  argStrings.insert(argStrings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argStrings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
  if (posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  close(pipeFds[1]);
  fd_ = pipeFds[0];
  reader_ = std::thread([this] {
    std::string partial;
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      partial.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = partial.find('\n')) != std::string::npos) {
        std::lock_guard lock(mutex_);
        lines_.push_back(partial.substr(0, nl));
        partial.erase(0, nl + 1);
      }
    }
    if (!partial.empty()) {
      std::lock_guard lock(mutex_);
      lines_.push_back(partial);
    }
  });
}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0 && !exitCode_) {
    kill(pid_, SIGKILL);
    waitExit(std::chrono::seconds(5));
  }
  if (reader_.joinable()) reader_.join();
  if (fd_ >= 0) close(fd_);
}

std::optional<int> WorkerProcess::waitReady(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t seen = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex_);
      for (; seen < lines_.size(); ++seen) {
        auto j = nlohmann::json::parse(lines_[seen], nullptr, false);
        if (j.is_object() && j.value("msg", "") == "ready") {
          std::string listen = j.value("listen", "");
          return std::stoi(listen.substr(listen.rfind(':') + 1));
        }
      }
    }
    if (!running()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

std::optional<int> WorkerProcess::waitExit(std::chrono::milliseconds timeout) {
  if (exitCode_) return exitCode_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (reader_.joinable()) reader_.join();  // the pipe is at EOF: collect the last lines
      return exitCode_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

void WorkerProcess::signal(int signum) {
  if (pid_ > 0 && !exitCode_) kill(pid_, signum);
}

bool WorkerProcess::running() {
  if (exitCode_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return r == 0;
}

std::vector<std::string> WorkerProcess::lines() {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::string WorkerProcess::allOutput() {
  std::string out;
  for (const auto& l : lines()) out += l + "\n";
  return out;
}

namespace {
size_t append(char* p, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, size * n);
  return size * n;
}
}  // namespace

HttpResult httpRequest(const std::string& method, const std::string& url, const std::string& body,
                       const std::vector<std::string>& headers) {
  HttpResult r;
  CURL* c = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  r.rawHeaders = r.headers;
  for (char& ch : r.headers) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return r;
}

std::string HttpResult::header(const std::string& name) const {
  std::string wanted = name + ":";
  for (char& ch : wanted) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::istringstream in(rawHeaders);
  std::string line;
  while (std::getline(in, line)) {
    std::string head = line.substr(0, wanted.size());
    for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (head != wanted) continue;
    std::string v = line.substr(wanted.size());
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
    return v;
  }
  return "";
}

std::string freshTempDir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("parley-test-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

std::map<std::string, std::string> workerTestEnv(const std::string& name) {
  return {{"PARLEY_HTTP_LISTEN", "127.0.0.1:0"},
          {"PARLEY_DATA_DIR", freshTempDir(name) + "/data"},
          {"PARLEY_WORKERS_THREADS", "2"},
          {"PARLEY_TENANTS_DIR", std::string(PARLEY_SOURCE_DIR) + "/config/tenants"},
          {"PARLEY_LOG_FORMAT", "json"}};
}

std::string loopbackUrl(int port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

HttpResult waitUntilReady(int port) {
  HttpResult r;
  for (int i = 0; i < 1200; ++i) {
    r = httpRequest("GET", loopbackUrl(port, "/readyz"));
    if (r.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return r;
}

double metricValue(int port, const std::string& name) {
  auto m = httpRequest("GET", loopbackUrl(port, "/metrics"));
  std::istringstream in(m.body);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

}  // namespace parley::test
