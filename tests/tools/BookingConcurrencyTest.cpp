// 8 processes × 4 threads book the same slot at the same moment through the real tools and the
// shared SQLite file: exactly one wins; every other attempt is slot_taken with alternatives.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "TestSupport.hpp"
#include "core/Clock.hpp"
#include "tools/BookingTools.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley::tools;
using nlohmann::json;

namespace {

constexpr int kProcesses = 8;
constexpr int kThreads = 4;

void writeAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// One child process: kThreads threads, each its own store connection and call, all booking
// Dr. Lee's Tuesday 9:00 checkup once the parent says go.
[[noreturn]] void child(int proc, const std::filesystem::path& db, int readyFd, int goFd,
                        int resultFd) {
  auto tenant = test::demoTenant();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string line;
      try {
        auto store = std::make_shared<SqliteBookingStore>(db);
        parley::core::ManualClock clock(test::mondayTen());
        std::string caller = "+1555000" + std::to_string(1000 + proc * 10 + t);
        auto tools =
            makeBookingTools(tenant, store, clock,
                             {"call-" + std::to_string(proc) + "-" + std::to_string(t), caller});
        writeAll(readyFd, "r");
        char go = 0;
        if (read(goFd, &go, 1) != 1) throw std::runtime_error("no go signal");
        auto r = tools->callJson("book_appointment",
                                 {{"service", "checkup"},
                                  {"staff", "lee"},
                                  {"start", "2025-01-07T09:00:00-05:00"},
                                  {"customer_name", "Caller " + caller}},
                                 "tc-1");
        if (r.contains("appointment"))
          line = "ok " + r["appointment"]["appointment_id"].get<std::string>();
        else if (r["error"]["code"] == "slot_taken")
          line = "taken " + std::to_string(r["error"]["alternatives"].size());
        else
          line = "other " + r.dump();
      } catch (const std::exception& e) {
        line = std::string("exception ") + e.what();
      }
      writeAll(resultFd, line + "\n");
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

}  // namespace

TEST_CASE("concurrency: 8 processes x 4 threads, one slot, exactly one booking") {
  test::TempDir dir;
  auto db = dir.file("bookings.sqlite");
  { SqliteBookingStore init(db); }
  test::demoTenant();  // parse once before forking
  int ready[2], go[2], results[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(go) == 0);
  REQUIRE(pipe(results) == 0);
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(ready[0]);
      close(go[1]);
      close(results[0]);
      child(p, db, ready[1], go[0], results[1]);
    }
    pids.push_back(pid);
  }
  close(ready[1]);
  close(go[0]);
  close(results[1]);
  // Wait until all 32 threads have their connection open, then release them at once.
  int readyCount = 0;
  char buf[64];
  while (readyCount < kProcesses * kThreads) {
    ssize_t n = read(ready[0], buf, sizeof buf);
    if (n <= 0) break;
    readyCount += static_cast<int>(n);
  }
  CHECK(readyCount == kProcesses * kThreads);
  std::string goBytes(static_cast<size_t>(kProcesses * kThreads), 'g');
  writeAll(go[1], goBytes);
  std::string all;
  ssize_t n;
  while ((n = read(results[0], buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
  }
  close(ready[0]);
  close(go[1]);
  close(results[0]);

  int ok = 0, taken = 0;
  std::istringstream lines(all);
  std::string line;
  while (std::getline(lines, line)) {
    INFO(line);
    if (line.rfind("ok ", 0) == 0)
      ++ok;
    else if (line == "taken 3")
      ++taken;
    else
      FAIL("unexpected result: " << line);
  }
  CHECK(ok == 1);
  CHECK(taken == kProcesses * kThreads - 1);
  SqliteBookingStore check(db);
  CHECK(check.integrityCheck() == "ok");
  CHECK(check.list("demo", 100).size() == 1);
}
