#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

#include "TestSupport.hpp"
#include "core/Error.hpp"
#include "tools/TenantLoader.hpp"
#include "tools/names/PhoneticMatcher.hpp"

using namespace parley::tools;
using parley::core::ConfigError;

namespace {

const std::string kMinimal = test::minimalTenantYaml("mini");

// Loads `text` and returns the error message ("" if it loaded).
std::string errorOf(const std::string& text) {
  return test::tenantLoadError(text);
}

}  // namespace

TEST_CASE("the demo tenant loads as the issue describes it") {
  auto t = test::demoTenant();
  CHECK(t->id == "demo");
  CHECK(t->displayName == "Maple Street Dental");
  CHECK(t->timeZoneName == "America/New_York");
  REQUIRE(t->zone != nullptr);
  CHECK(t->phoneNumbers == std::vector<std::string>{"+15550100100"});
  CHECK(t->hours[1] == std::vector<TimeRange>{{540, 1020}});  // Monday 9–17
  CHECK(t->hours[5] == std::vector<TimeRange>{{540, 1020}});  // Friday
  CHECK(t->hours[6] == std::vector<TimeRange>{{540, 780}});   // Saturday 9–13
  CHECK(t->hours[0].empty());                                 // Sunday closed
  REQUIRE(t->services.size() == 4);
  auto minutesOf = [&](const char* id) { return t->findService(id)->duration.count(); };
  CHECK(minutesOf("checkup") == 30);
  CHECK(minutesOf("cleaning") == 60);
  CHECK(minutesOf("whitening") == 90);
  CHECK(minutesOf("consultation") == 20);
  for (const auto& s : t->services) CHECK(s.bufferAfter.count() == 10);
  REQUIRE(t->staff.size() == 3);
  CHECK(t->findStaff("Dr. Katherine Lee")->services ==
        std::vector<std::string>{"checkup", "consultation", "whitening"});
  CHECK(t->findStaff("Dr. Omar Haddad")->services ==
        std::vector<std::string>{"checkup", "consultation"});
  CHECK(t->findStaff("Sam Rivera")->services == std::vector<std::string>{"cleaning", "whitening"});
  CHECK(t->findStaff("sam rivera")->role == "hygienist");
  CHECK(t->staffNames != nullptr);
  CHECK(!t->greeting.empty());
  CHECK(!t->systemPrompt.empty());
}

TEST_CASE("a minimal tenant gets defaults") {
  auto t = loadTenantText(kMinimal, "mini.yaml");
  CHECK(t.booking.minLead.count() == 60);
  CHECK(t.booking.slotStep.count() == 15);
  CHECK(t.booking.store == "sqlite");
  CHECK(t.language == "en-US");
  CHECK(t.services[0].name == "cut");
  CHECK(t.greeting.find("Mini") != std::string::npos);
}

TEST_CASE("tenant errors name the file, line, key and reason") {
  auto e = errorOf(kMinimal + "colour: blue\n");
  CHECK(e.find("t.yaml:13") != std::string::npos);
  CHECK(e.find("colour") != std::string::npos);
  CHECK(e.find("unknown key") != std::string::npos);

  std::string bad = kMinimal;
  bad.replace(bad.find("Europe/Paris"), 12, "Mars/Olympus");
  e = errorOf(bad);
  CHECK(e.find("t.yaml:3: time_zone") != std::string::npos);
  CHECK(e.find("IANA") != std::string::npos);

  bad = kMinimal;
  bad.replace(bad.find("09:00-12:00"), 11, "12:00-09:00");
  e = errorOf(bad);
  CHECK(e.find("hours.monday") != std::string::npos);
  CHECK(e.find("ends before it starts") != std::string::npos);

  bad = kMinimal;
  bad.replace(bad.find("duration_minutes: 30"), 20, "duration_minutes: soon");
  e = errorOf(bad);
  CHECK(e.find("t.yaml:8: services[0].duration_minutes") != std::string::npos);

  bad = kMinimal;
  bad.replace(bad.find("[cut]"), 5, "[perm]");
  e = errorOf(bad);
  CHECK(e.find("staff[0].services[0]") != std::string::npos);
  CHECK(e.find("unknown service 'perm'") != std::string::npos);

  e = errorOf("id: x\n");
  CHECK(e.find("display_name") != std::string::npos);
  CHECK(e.find("is required") != std::string::npos);

  e = errorOf("id: [unclosed\n");
  CHECK(e.find("invalid YAML") != std::string::npos);

  bad = kMinimal + "phone_numbers: [\"555-0100\"]\n";
  CHECK(errorOf(bad).find("E.164") != std::string::npos);

  bad = kMinimal + "closed_dates: [\"2025-02-30\"]\n";
  CHECK(errorOf(bad).find("closed_dates[0]") != std::string::npos);

  bad = kMinimal + "booking:\n  path: ../../etc/passwd\n";
  CHECK(errorOf(bad).find("booking.path") != std::string::npos);
}

TEST_CASE("a tenant folder rejects duplicate ids and DIDs, and routes by DID") {
  test::TempDir dir;
  std::ofstream(dir.file("a.yaml")) << kMinimal << "phone_numbers: [\"+15550000001\"]\n";
  auto d = TenantDirectory::loadDir(dir.path());
  CHECK(d.byId("mini") != nullptr);
  CHECK(d.byPhoneNumber("+15550000001")->id == "mini");
  CHECK(d.byPhoneNumber("+15550000002") == nullptr);
  std::ofstream(dir.file("b.yaml")) << kMinimal;
  CHECK_THROWS_AS(TenantDirectory::loadDir(dir.path()), ConfigError);
  CHECK_THROWS_AS(TenantDirectory::loadDir(dir.file("missing")), ConfigError);
  auto shipped =
      TenantDirectory::loadDir(std::filesystem::path(PARLEY_SOURCE_DIR) / "config/tenants");
  CHECK(shipped.byPhoneNumber("+15550100100")->id == "demo");
}

TEST_CASE("a tenant's webrtc bearer token comes from the environment and is never shown") {
  std::map<std::string, std::string> vars{{"CLINIC_TOKEN", "s3cr3t-Token_1.2~x+y/z=="}};
  parley::core::EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto withToken = [](const std::string& value) {
    return kMinimal + "webrtc:\n  bearer_token: \"" + value + "\"\n";
  };
  auto errorWith = [&](const std::string& value) -> std::string {
    try {
      loadTenantText(withToken(value), "t.yaml", env);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };

  CHECK(loadTenantText(kMinimal, "t.yaml", env).webrtcBearerToken.empty());
  CHECK(loadTenantText(withToken("${CLINIC_TOKEN}"), "t.yaml", env).webrtcBearerToken ==
        "s3cr3t-Token_1.2~x+y/z==");
  CHECK(loadTenantText(withToken("${NOT_SET:-}"), "t.yaml", env).webrtcBearerToken.empty());
  CHECK(loadTenantText(withToken("literal-token"), "t.yaml", env).webrtcBearerToken ==
        "literal-token");
  // The demo tenant documents the key and reads an optional variable.
  CHECK(loadTenantFile(std::string(PARLEY_SOURCE_DIR) + "/config/tenants/demo.yaml")
            .webrtcBearerToken.empty() == (std::getenv("PARLEY_DEMO_WHIP_TOKEN") == nullptr));

  const std::string unset = errorWith("${NOT_SET}");
  CHECK(unset.find("webrtc.bearer_token") != std::string::npos);
  CHECK(unset.find("NOT_SET is not set") != std::string::npos);
  CHECK(unset.find("t.yaml:") != std::string::npos);

  // Bad values are refused without quoting them (they are secrets).
  vars["CLINIC_TOKEN"] = "has space";
  const std::string bad = errorWith("${CLINIC_TOKEN}");
  CHECK(bad.find("webrtc.bearer_token") != std::string::npos);
  CHECK(bad.find("RFC 6750") != std::string::npos);
  CHECK(bad.find("has space") == std::string::npos);
  const std::string unterminated = errorWith("abc${SECRETISH");
  CHECK(unterminated.find("unterminated") != std::string::npos);
  CHECK(unterminated.find("SECRETISH") == std::string::npos);
  CHECK(errorWith(std::string(600, 'a')).find("1-512") != std::string::npos);
  CHECK(errorWith("a=b").find("RFC 6750") != std::string::npos);

  const std::string unknown = errorOf(kMinimal + "webrtc:\n  token: x\n");
  CHECK(unknown.find("webrtc.token") != std::string::npos);
  CHECK(unknown.find("unknown key") != std::string::npos);
}

TEST_CASE("transfer_to takes an E.164 number or a sip/tel URI") {
  CHECK(test::demoTenant()->transferTo == "+15550100199");
  CHECK(loadTenantText(kMinimal, "mini.yaml").transferTo.empty());
  auto with = [](const char* v) {
    return loadTenantText(kMinimal + "transfer_to: \"" + v + "\"\n", "t.yaml");
  };
  CHECK(with("+15550100199").transferTo == "+15550100199");
  CHECK(with("sip:frontdesk@pbx.example.com").transferTo == "sip:frontdesk@pbx.example.com");
  CHECK(with("tel:+15550100199").transferTo == "tel:+15550100199");
  for (const char* bad : {"555-0199", "front desk", "sip:a b@c", "sip:"}) {
    auto e = errorOf(kMinimal + "transfer_to: \"" + bad + "\"\n");
    CHECK_MESSAGE(e.find("transfer_to") != std::string::npos, bad);
    CHECK_MESSAGE(e.find("E.164") != std::string::npos, bad);
  }
}
