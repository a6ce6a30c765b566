#include "agent/cli/DialCommand.hpp"

#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "agent/sip/OutboundCall.hpp"
#include "core/Error.hpp"

namespace parley::agent {
namespace {

using nlohmann::json;

/// How often progress is polled; a ringing phone changes state every few seconds at most.
constexpr auto kPollInterval = std::chrono::milliseconds(250);

struct Options {
  std::string tenant, to, context, trunk, url, apiKey;
  int ringTimeoutS = DialRequest::kDefaultRingTimeoutS;
  bool noWait = false;
  double timeoutS = 0;  ///< 0: ring timeout + 30 s
};

struct HttpResult {
  long status = 0;
  std::string body;
};

size_t collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

/// One blocking HTTP request (a CLI, not a media loop). Throws core::Error when the worker
/// cannot be reached.
HttpResult request(const std::string& method, const std::string& url, const std::string& body,
                   const std::string& apiKey) {
  std::unique_ptr<CURL, void (*)(CURL*)> c(curl_easy_init(), curl_easy_cleanup);
  if (!c) throw core::Error("curl_easy_init failed");
  HttpResult r;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  const std::string auth = "Authorization: Bearer " + apiKey;
  if (!apiKey.empty()) headers = curl_slist_append(headers, auth.c_str());
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") {
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK)
    throw core::Error("cannot reach the worker at " + url + ": " + curl_easy_strerror(rc) +
                      " (is `parley worker` running? set --url or PARLEY_URL)");
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

std::string errorMessage(const HttpResult& r) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].contains("message"))
    return j["error"]["message"].get<std::string>();
  return r.body;
}

int run(const Options& o, std::ostream& out, std::ostream& err) {
  json body = {{"tenant", o.tenant}, {"to", o.to}};
  if (!o.context.empty()) {
    json ctx = json::parse(o.context, nullptr, false);
    if (ctx.is_discarded() || !ctx.is_object())
      throw core::UsageError("--context must be a JSON object, e.g. '{\"name\":\"Ada\"}'");
    body["context"] = ctx;
  }
  if (!o.trunk.empty()) body["trunk"] = o.trunk;
  body["ring_timeout_s"] = o.ringTimeoutS;
  DialRequest req = DialRequest::parse(body.dump());  // the worker's own checks, before sending

  std::string base = o.url;
  if (base.empty()) {
    const char* env = std::getenv("PARLEY_URL");
    base = env && *env ? env : "http://127.0.0.1:8080";
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string key = o.apiKey;
  if (key.empty()) {
    const char* env = std::getenv("PARLEY_API_KEY");
    key = env ? env : "";
  }
  HttpResult placed = request("POST", base + "/v1/calls", req.toJson(), key);
  if (placed.status != 201) {
    err << "parley: the worker refused the call (" << placed.status << "): " << errorMessage(placed)
        << "\n";
    return placed.status == 400 ? 2 : 1;
  }
  out << placed.body << "\n" << std::flush;
  if (o.noWait) return 0;
  json placedJson = json::parse(placed.body, nullptr, false);
  std::string progressUrl = base + placedJson.value("progress_url", std::string());

  const double limitS = o.timeoutS > 0 ? o.timeoutS : o.ringTimeoutS + 30.0;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(limitS * 1000));
  size_t printed = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResult p = request("GET", progressUrl, {}, key);
    if (p.status != 200) {
      err << "parley: progress (" << p.status << "): " << errorMessage(p) << "\n";
      return 1;
    }
    json j = json::parse(p.body, nullptr, false);
    const json& events = j.is_object() ? j["events"] : json();
    for (; events.is_array() && printed < events.size(); ++printed) {
      const json& e = events[printed];
      out << e.dump() << "\n" << std::flush;
      std::string ev = e.value("event", "");
      if (ev == "answered") return 0;
      if (ev == "busy" || ev == "no_answer" || ev == "failed" || ev == "ended") return 1;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  err << "parley: no answer or failure reported within " << limitS << " s\n";
  return 1;
}

}  // namespace

void addDialCommand(CLI::App& app, int& exitCode, std::ostream& out, std::ostream& err) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "dial", "Ask a running worker to phone a number through its SIP trunk (POST /v1/calls)");
  cmd->add_option("--tenant", o->tenant, "Tenant id whose agent makes the call")->required();
  cmd->add_option("--to", o->to, "Number to call, E.164 (+15551234567)")->required();
  cmd->add_option("--context", o->context,
                  "JSON object about the person called, given to the agent ('{\"name\":\"Ada\"}')");
  cmd->add_option("--trunk", o->trunk, "Trunk name (default: the first with an outbound uri)");
  cmd->add_option("--ring-timeout", o->ringTimeoutS, "Seconds to ring before giving up")
      ->capture_default_str()
      ->check(CLI::Range(1, DialRequest::kMaxRingTimeoutS));
  cmd->add_option("--url", o->url,
                  "Worker base URL (default $PARLEY_URL or http://127.0.0.1:8080)");
  cmd->add_option("--api-key", o->apiKey,
                  "API key (api.admin_key_sha256 / api.keys_file; default $PARLEY_API_KEY)");
  cmd->add_flag("--no-wait", o->noWait, "Print the call id and return at once");
  cmd->add_option("--timeout", o->timeoutS,
                  "Seconds to follow progress (default ring timeout + 30)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([o, &exitCode, &out, &err] {
    try {
      exitCode = run(*o, out, err);
    } catch (const core::UsageError& e) {
      err << "parley: " << e.what() << "\n";
      exitCode = 2;
    } catch (const std::exception& e) {
      err << "parley: " << e.what() << "\n";
      exitCode = 1;
    }
  });
}

void addDialCommand(CLI::App& app, int& exitCode) {
  addDialCommand(app, exitCode, std::cout, std::cerr);
}

}  // namespace parley::agent
