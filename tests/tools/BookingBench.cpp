// Booking latency with 10,000 existing appointments (issue 4, scripts/bench-booking): the
// check_availability and book_appointment tools end to end (validation, slot generation, SQLite
// with WAL + synchronous=FULL). Prints one JSON object.
#include <date/date.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "core/Clock.hpp"
#include "tools/BookingTools.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"
#include "tools/time/TenantTime.hpp"

using namespace parley::tools;
using nlohmann::json;

namespace {

constexpr int kExisting = 10'000;
constexpr int kAvailabilityQueries = 1000;
constexpr int kBookings = 300;

json stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto q = [&](double p) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  };
  return {{"n", ms.size()}, {"p50_ms", q(0.50)}, {"p99_ms", q(0.99)}, {"max_ms", ms.back()}};
}

// Fills the store with kExisting appointments (every 80 minutes per staff member, from
// mid-2024 on) in one transaction, straight through SQLite for speed.
void seed(const std::filesystem::path& db, const Tenant& t) {
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_exec(h, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_exec(h, "INSERT INTO customers VALUES('demo','+15550009999','Seed',0,0)", nullptr,
               nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(
      h,
      "INSERT INTO appointments VALUES(?1,'demo',?2,'checkup','+15550009999','Seed',?3,?4,?5,"
      "'booked','',0,0)",
      -1, &st, nullptr);
  int n = 0;
  for (auto day = date::local_days(date::year(2024) / 6 / 1); n < kExisting; day += date::days(1)) {
    for (const auto& s : t.staff)
      for (const auto& r : t.staffHours(s, day))
        for (int m = r.fromMinute; m + 30 <= r.toMinute && n < kExisting; m += 80) {
          auto start = localToUtc(t.zone, day, m);
          if (!start) continue;
          std::string id = "S" + std::to_string(100000 + n);
          int64_t s0 = start->time_since_epoch().count();
          sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(st, 2, s.id.c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64(st, 3, s0);
          sqlite3_bind_int64(st, 4, s0 + 1800);
          sqlite3_bind_int64(st, 5, s0 + 2400);
          if (sqlite3_step(st) != SQLITE_DONE) std::cerr << sqlite3_errmsg(h) << "\n";
          sqlite3_reset(st);
          ++n;
        }
  }
  sqlite3_finalize(st);
  sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(h);
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path source = argc > 1 ? argv[1] : ".";
  auto dir = std::filesystem::temp_directory_path() / ("parley-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto tenant = std::make_shared<const Tenant>(loadTenantFile(source / "config/tenants/demo.yaml"));
  auto db = dir / "bookings.sqlite";
  { SqliteBookingStore init(db); }
  seed(db, *tenant);
  auto store = std::make_shared<SqliteBookingStore>(db);
  // "Now" is fixed inside the seeded period: Monday 2025-01-06 10:00 New York.
  parley::core::ManualClock clock(date::sys_days(date::year(2025) / 1 / 6) +
                                  std::chrono::hours(15));
  auto tools = makeBookingTools(tenant, store, clock, {"bench", "+15551234567"});
  std::mt19937 rng(42);
  const char* services[] = {"checkup", "cleaning", "whitening", "consultation"};

  std::vector<double> avail;
  std::vector<json> offers;
  for (int i = 0; i < kAvailabilityQueries; ++i) {
    auto day =
        date::local_days(date::year(2025) / 1 / 7) + date::days(static_cast<int>(rng() % 80));
    json args = {{"service", services[rng() % 4]}, {"date", isoDate(day)}, {"max_results", 10}};
    auto t0 = std::chrono::steady_clock::now();
    auto r = tools->callJson("check_availability", args);
    avail.push_back(msSince(t0));
    if (r.contains("slots"))
      for (const auto& s : r["slots"])
        offers.push_back(
            {{"service", args["service"]}, {"start", s["start"]}, {"staff", s["staff_id"]}});
  }
  std::shuffle(offers.begin(), offers.end(), rng);
  std::vector<double> book;
  int ok = 0, taken = 0;
  for (int i = 0; i < kBookings && i < static_cast<int>(offers.size()); ++i) {
    json args = offers[static_cast<size_t>(i)];
    args["customer_name"] = "Bench " + std::to_string(i);
    auto t0 = std::chrono::steady_clock::now();
    auto r = tools->callJson("book_appointment", args, "tc-" + std::to_string(i));
    book.push_back(msSince(t0));
    if (r.contains("appointment"))
      ++ok;
    else
      ++taken;
  }
  json out = {{"existing_appointments", kExisting},
              {"availability", stats(avail)},
              {"booking", stats(book)},
              {"bookings_ok", ok},
              {"bookings_refused", taken},
              {"cores", std::thread::hardware_concurrency()},
              {"sqlite", sqlite3_libversion()},
              {"journal", "wal"},
              {"synchronous", "full"}};
  std::cout << out.dump(2) << "\n";
  std::filesystem::remove_all(dir);
  return 0;
}
