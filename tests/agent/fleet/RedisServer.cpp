#include "RedisServer.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/agent/fleet/FleetTestSupport.hpp"

namespace parley::test {

RedisServer::RedisServer(RedisAuth auth) : auth_(std::move(auth)) {
  port_ = freeLoopbackPort(SOCK_STREAM);
  dir_ = (std::filesystem::temp_directory_path() /
          ("parley-redis-" + std::to_string(getpid()) + "-" + std::to_string(port_)))
             .string();
  std::filesystem::create_directories(dir_);
  pid_ = fork();
  if (pid_ == 0) {
    std::string port = std::to_string(port_);
    std::vector<std::string> args = {
        "redis-server", "--port", port,    "--bind", "127.0.0.1",  "--save", "",
        "--appendonly", "no",     "--dir", dir_,     "--loglevel", "warning"};
    if (!auth_.password.empty()) {
      args.push_back("--requirepass");
      args.push_back(auth_.password);
    }
    if (!auth_.aclUser.empty()) {
      for (const std::string& a :
           {std::string("--user"), auth_.aclUser, std::string("on"), ">" + auth_.aclPassword,
            std::string("~*"), std::string("&*"), std::string("+@all")})
        args.push_back(a);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv("/usr/bin/redis-server", argv.data());
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (cli("PING") == "PONG") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("redis-server did not start");
}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string RedisServer::cli(const std::string& args) const {
  std::string cmd =
      "redis-cli -h 127.0.0.1 -p " + std::to_string(port_) +
      (auth_.password.empty() ? "" : " --no-auth-warning -a '" + auth_.password + "'") + " " +
      args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace parley::test
