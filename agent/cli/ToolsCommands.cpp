#include "agent/cli/ToolsCommands.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/Clock.hpp"
#include "core/Error.hpp"
#include "tools/BookingTools.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/booking/SqliteBookingStore.hpp"
#include "tools/time/TenantTime.hpp"

namespace parley::agent {
namespace {

using nlohmann::json;

constexpr size_t kDefaultListLimit = 1000;  // bookings listed unless --limit says otherwise

struct Options {
  std::string tenant;
  std::string tenantsDir;
  std::string dataDir;
  std::string caller;
  std::string callId;
  std::string tool;
  std::string args = "{}";
  std::string toolCallId;
  std::string now;  // ISO 8601 instant, for tests and demos
  bool json = false;
  size_t limit = kDefaultListLimit;
};

std::string envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// A clock fixed at --now (for repeatable output), else the system clock.
class FixedClock final : public core::Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point t) : t_(t) {}
  int64_t monoNs() const override { return core::SystemClock::instance().monoNs(); }
  std::chrono::system_clock::time_point wallNow() const override { return t_; }

 private:
  std::chrono::system_clock::time_point t_;
};

struct Context {
  std::shared_ptr<const tools::Tenant> tenant;
  std::shared_ptr<tools::SqliteBookingStore> store;
  std::unique_ptr<core::Clock> clock;
};

Context open(const Options& o) {
  auto dir = tools::TenantDirectory::loadDir(o.tenantsDir);
  Context c;
  c.tenant = dir.byId(o.tenant);
  if (!c.tenant) {
    std::string known;
    for (const auto& t : dir.all()) known += (known.empty() ? "" : ", ") + t->id;
    throw core::UsageError("unknown tenant '" + o.tenant + "' in " + o.tenantsDir +
                           " (known: " + known + ")");
  }
  if (!o.now.empty()) {
    auto t = tools::parseIsoDateTime(c.tenant->zone, o.now);
    if (!t) throw core::UsageError("--now must be an ISO 8601 date-time, got '" + o.now + "'");
    c.clock = std::make_unique<FixedClock>(*t);
  }
  c.store = std::make_shared<tools::SqliteBookingStore>(std::filesystem::path(o.dataDir) /
                                                        c.tenant->booking.path);
  return c;
}

// Runs `body`, turning our typed errors into exit codes and messages.
template <typename F>
int guarded(std::ostream& err, F&& body) {
  try {
    return body();
  } catch (const core::ConfigError& e) {
    err << "parley: " << e.what() << "\n";
    return 2;
  } catch (const core::UsageError& e) {
    err << "parley: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "parley: " << e.what() << "\n";
    return 1;
  }
}

void addCommon(CLI::App& cmd, Options& o) {
  cmd.add_option("--tenant", o.tenant, "Tenant id (config/tenants/<file>.yaml: id)")->required();
  cmd.add_option("--tenants-dir", o.tenantsDir, "Folder of tenant files")->capture_default_str();
  cmd.add_option("--data-dir", o.dataDir, "Folder of the booking databases")->capture_default_str();
  cmd.add_option("--now", o.now, "Pretend it is this instant (ISO 8601), for tests and demos");
}

}  // namespace

void addToolsCommands(CLI::App& app, int& exitCode, std::ostream& out, std::ostream& err) {
  auto o = std::make_shared<Options>();
  o->tenantsDir = envOr("PARLEY_TENANTS_DIR", "config/tenants");
  o->dataDir = envOr("PARLEY_DATA_DIR", "data");
  o->callId = "cli-" + std::to_string(getpid());

  auto* tools = app.add_subcommand("tools", "Inspect and call a tenant's LLM tools");
  tools->require_subcommand(1);
  auto* list = tools->add_subcommand("list", "Print the OpenAI `tools` JSON of a tenant");
  addCommon(*list, *o);
  list->callback([o, &exitCode, &out, &err] {
    exitCode = guarded(err, [&] {
      auto c = open(*o);
      const core::Clock& clock = c.clock ? *c.clock : core::SystemClock::instance();
      auto reg = tools::makeBookingTools(c.tenant, c.store, clock, {o->callId, o->caller});
      out << reg->openAiTools().dump(2) << "\n";
      return 0;
    });
  });

  auto* call = tools->add_subcommand("call", "Call one tool and print its JSON result");
  addCommon(*call, *o);
  call->add_option("--caller", o->caller, "Caller ID (E.164), e.g. +15551234567");
  call->add_option("--tool", o->tool, "Tool name (see `parley tools list`)")->required();
  call->add_option("--args", o->args, "Arguments as one JSON object")->capture_default_str();
  call->add_option("--call-id", o->callId, "Call id (idempotency: call id + tool call id)");
  call->add_option("--tool-call-id", o->toolCallId, "Tool call id; repeat it to test idempotency");
  call->callback([o, &exitCode, &out, &err] {
    exitCode = guarded(err, [&] {
      auto args = json::parse(o->args, nullptr, false);
      if (args.is_discarded() || !args.is_object())
        throw core::UsageError("--args must be one JSON object, e.g. '{\"service\":\"checkup\"}'");
      auto c = open(*o);
      const core::Clock& clock = c.clock ? *c.clock : core::SystemClock::instance();
      auto reg = tools::makeBookingTools(c.tenant, c.store, clock, {o->callId, o->caller});
      if (!reg->has(o->tool)) {
        std::string names;
        for (const auto& n : reg->names()) names += (names.empty() ? "" : ", ") + n;
        throw core::UsageError("unknown tool '" + o->tool + "' (tools: " + names + ")");
      }
      out << reg->callJson(o->tool, args, o->toolCallId).dump(2) << "\n";
      return 0;
    });
  });

  auto* bookings = app.add_subcommand("bookings", "Inspect a tenant's appointments");
  bookings->require_subcommand(1);
  auto* blist = bookings->add_subcommand("list", "List appointments, by start time");
  addCommon(*blist, *o);
  blist->add_flag("--json", o->json, "One JSON array instead of a table");
  blist->add_option("--limit", o->limit, "At most this many")->capture_default_str();
  blist->callback([o, &exitCode, &out, &err] {
    exitCode = guarded(err, [&] {
      auto c = open(*o);
      auto all = c.store->list(c.tenant->id, o->limit);
      const auto* zone = c.tenant->zone;
      if (o->json) {
        json arr = json::array();
        for (const auto& a : all)
          arr.push_back({{"appointment_id", a.id},
                         {"start", tools::toIsoLocal(zone, a.start)},
                         {"end", tools::toIsoLocal(zone, a.end)},
                         {"service_id", a.serviceId},
                         {"staff_id", a.staffId},
                         {"customer_name", a.customerName},
                         {"customer_phone", a.customerPhone},
                         {"status", tools::statusName(a.status)},
                         {"notes", a.notes}});
        out << arr.dump(2) << "\n";
        return 0;
      }
      out << "ID      START                      SERVICE       STAFF     STATUS     CUSTOMER\n";
      for (const auto& a : all) {
        char line[512];
        std::snprintf(line, sizeof line, "%-7s %-26s %-13s %-9s %-10s %s %s\n", a.id.c_str(),
                      tools::toIsoLocal(zone, a.start).c_str(), a.serviceId.c_str(),
                      a.staffId.c_str(), tools::statusName(a.status), a.customerName.c_str(),
                      a.customerPhone.c_str());
        out << line;
      }
      out << all.size() << " appointment(s)\n";
      return 0;
    });
  });
}

void addToolsCommands(CLI::App& app, int& exitCode) {
  addToolsCommands(app, exitCode, std::cout, std::cerr);
}

}  // namespace parley::agent
