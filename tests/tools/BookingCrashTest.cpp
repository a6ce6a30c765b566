// kill -9 a process in the middle of a stream of bookings: after restart the database is
// consistent and every booking the process acknowledged is there.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>

#include "TestSupport.hpp"
#include "tools/booking/SqliteBookingStore.hpp"

using namespace parley::tools;
using test::utc;

namespace {

constexpr int kRounds = 3;
constexpr int kStaff = 5;

// Books distinct slots forever; after each commit returns, writes the id to `ackFd`.
[[noreturn]] void bookForever(const std::filesystem::path& db, int ackFd, int round) {
  SqliteBookingStore store(db);
  for (int i = 0; i < 1'000'000; ++i) {
    BookRequest r;
    r.tenantId = "demo";
    r.staffCandidates = {"s" + std::to_string(i % kStaff)};
    r.serviceId = "checkup";
    r.start = utc("2025-01-07 14:00") + std::chrono::hours(24 * 400 * round) +
              std::chrono::hours(i / kStaff);
    r.duration = std::chrono::minutes(30);
    r.buffer = std::chrono::minutes(10);
    r.customerPhone = "+1555" + std::to_string(1000000 + i);
    r.customerName = "Crash " + std::to_string(i);
    r.idempotencyKey = "crash-" + std::to_string(round) + ":" + std::to_string(i);
    r.actor = "crash-test";
    r.now = utc("2025-01-01 00:00");
    auto res = store.book(r);
    if (!res.ok()) _exit(3);
    std::string line = res.appointment->id + "\n";
    if (write(ackFd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
  }
  _exit(0);
}

}  // namespace

TEST_CASE("crash: kill -9 mid-stream keeps every acknowledged booking and a sound database") {
  test::TempDir dir;
  auto db = dir.file("bookings.sqlite");
  std::set<std::string> acked;
  for (int round = 0; round < kRounds; ++round) {
    int ack[2];
    REQUIRE(pipe(ack) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(ack[0]);
      bookForever(db, ack[1], round);
    }
    close(ack[1]);
    std::string pending;
    char buf[256];
    size_t target = acked.size() + 40 + static_cast<size_t>(round) * 17;
    bool killed = false;
    ssize_t n;
    while ((n = read(ack[0], buf, sizeof buf)) > 0) {
      pending.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        acked.insert(pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
      if (!killed && acked.size() >= target) {
        kill(pid, SIGKILL);  // lands while the child is inside its next transaction or fsync
        killed = true;
      }
    }
    close(ack[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    // Restart: open (WAL recovery), check integrity, find every acknowledged id.
    SqliteBookingStore store(db);
    CHECK(store.integrityCheck() == "ok");
    for (const auto& id : acked) {
      INFO("acknowledged " << id);
      CHECK(store.get("demo", id).has_value());
    }
    auto all = store.list("demo", 1'000'000);
    CHECK(all.size() >= acked.size());
    CHECK(all.size() <= acked.size() + 1);  // at most the one committed but not yet reported
    // No overlaps per staff member.
    std::map<std::string, std::vector<const Appointment*>> byStaff;
    for (const auto& a : all) byStaff[a.staffId].push_back(&a);
    for (auto& [staff, list] : byStaff)
      for (size_t i = 1; i < list.size(); ++i) CHECK(list[i - 1]->blockEnd <= list[i]->start);
  }
}
